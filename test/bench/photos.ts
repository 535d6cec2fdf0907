// Real images for the quality benchmark, from Debian packages fetched once into a cache: photographs
// (mate-backgrounds' nature photos) and illustrations (openclipart-png's drawings of people and animals:
// flat colours and clean lines, the material the anime models are made for).
import { execFile } from 'node:child_process';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';

const run = promisify(execFile);

/**
 * Unpacks the Debian package `name` into `cacheDir` the first time (`apt-get download`, `dpkg -x`) and returns
 * `cacheDir`. Needs apt's package lists (`apt-get update`) and network access once.
 */
async function debianPackage(name: string, cacheDir: string, marker: string): Promise<void> {
  if ((await readdir(path.join(cacheDir, marker)).catch(() => [])).length > 0) return;
  await mkdir(cacheDir, { recursive: true });
  try {
    await run('apt-get', ['download', name], { cwd: cacheDir });
  } catch (err) {
    throw new Error(
      `cannot download the Debian package ${name} for the benchmark (run apt-get update first?): ${(err as Error).message}`,
    );
  }
  const debs = (await readdir(cacheDir)).filter((f) => f.startsWith(`${name}_`) && f.endsWith('.deb'));
  if (debs.length === 0) throw new Error(`apt-get download left no ${name} .deb in ${cacheDir}`);
  await run('dpkg', ['-x', path.join(cacheDir, debs[0]!), cacheDir]);
  await Promise.all(debs.map((deb) => rm(path.join(cacheDir, deb))));
}

async function list(dir: string, pattern: RegExp): Promise<string[]> {
  const names = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return names
    .filter((n) => pattern.test(n))
    .sort()
    .map((n) => path.join(dir, n));
}

/** The 12 nature photographs of mate-backgrounds. */
export async function benchPhotos(cacheDir = path.resolve('.cache/bench-photos')): Promise<string[]> {
  const dir = 'usr/share/backgrounds/mate/nature';
  await debianPackage('mate-backgrounds', cacheDir, dir);
  const photos = await list(path.join(cacheDir, dir), /\.jpe?g$/i);
  if (photos.length === 0) throw new Error(`mate-backgrounds has no photos in ${dir}`);
  return photos;
}

/**
 * `count` drawings of people and animals from openclipart-png with a short side of at least 768 px, spread
 * evenly over the sorted list so that no one artist's series fills the set. Their backgrounds are
 * transparent: flatten them (the bench puts them on white).
 */
export async function benchIllustrations(
  count = 12,
  cacheDir = path.resolve('.cache/bench-illustrations'),
): Promise<string[]> {
  const dir = 'usr/share/openclipart/png';
  await debianPackage('openclipart-png', cacheDir, dir);
  const candidates: string[] = [];
  for (const folder of ['people', 'animals']) {
    for (const file of await list(path.join(cacheDir, dir, folder), /\.png$/i)) {
      const { width = 0, height = 0 } = await sharp(file).metadata();
      if (Math.min(width, height) >= 768) candidates.push(file);
    }
  }
  if (candidates.length < count)
    throw new Error(`openclipart-png has only ${candidates.length} large drawings`);
  return Array.from({ length: count }, (_, i) => candidates[Math.floor((i * candidates.length) / count)]!);
}
