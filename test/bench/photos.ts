// Real photographs for the quality benchmark: Debian's mate-backgrounds nature photos, fetched once into a cache.
import { execFile } from 'node:child_process';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const PACKAGE = 'mate-backgrounds';
/** The package's photographs (the other folders hold drawn or abstract wallpapers). */
const PHOTO_DIR = 'usr/share/backgrounds/mate/nature';

/**
 * Paths of the photos, downloading the Debian package with `apt-get download` and unpacking it with `dpkg -x`
 * into `cacheDir` the first time. Needs apt's package lists (`apt-get update`) and network access once.
 */
export async function benchPhotos(cacheDir = path.resolve('.cache/bench-photos')): Promise<string[]> {
  const dir = path.join(cacheDir, PHOTO_DIR);
  const existing = await list(dir);
  if (existing.length > 0) return existing;
  await mkdir(cacheDir, { recursive: true });
  try {
    await run('apt-get', ['download', PACKAGE], { cwd: cacheDir });
  } catch (err) {
    throw new Error(
      `cannot download the Debian package ${PACKAGE} for the photos (run apt-get update first?): ${(err as Error).message}`,
    );
  }
  const debs = (await readdir(cacheDir)).filter((f) => f.startsWith(`${PACKAGE}_`) && f.endsWith('.deb'));
  if (debs.length === 0) throw new Error(`apt-get download left no ${PACKAGE} .deb in ${cacheDir}`);
  await run('dpkg', ['-x', path.join(cacheDir, debs[0]!), cacheDir]);
  await Promise.all(debs.map((deb) => rm(path.join(cacheDir, deb))));
  const photos = await list(dir);
  if (photos.length === 0) throw new Error(`${PACKAGE} has no photos in ${PHOTO_DIR}`);
  return photos;
}

async function list(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .filter((n) => /\.jpe?g$/i.test(n))
    .sort()
    .map((n) => path.join(dir, n));
}
