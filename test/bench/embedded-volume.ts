// How the embedded default (`pixelforge up` with its own servers) holds a real photo library: uploads until
// PIXELFORGE_BENCH_VOLUME_GB (default 5) GB, and at each step the latency of the common reads, the size of the
// H2 file and the Mongo-wire server's memory, as ratios against the first step of the same run; then a
// restart on the same data. WebP derivatives are off: this measures storage, not conversion.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { du, noiseJpeg } from '../support/volume.ts';
import { startUp, type UpProcess } from '../support/up-process.ts';
import { uploadForm } from '../support/images.ts';
import { ms, percentile, ratio, table } from './load-stats.ts';

const GB = 1e9;

/** Resident memory of the Mongo-wire server (a child recorded in up.lock), in MB. */
async function mongoRssMb(dataDir: string): Promise<number> {
  const lock = JSON.parse(await readFile(path.join(dataDir, 'up.lock'), 'utf8')) as { children: number[] };
  for (const pid of lock.children) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline.includes('mongowire')) continue;
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  }
  return NaN;
}

async function timed(run: () => Promise<Response>, times = 5): Promise<number> {
  const samples = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    const res = await run();
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${res.url}: ${res.status}`);
    samples.push(performance.now() - started);
  }
  return percentile(samples, 50);
}

export async function benchEmbeddedVolume(): Promise<string> {
  const targetGb = Number(process.env.PIXELFORGE_BENCH_VOLUME_GB ?? 5);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'pf-bench-volume-'));
  const env = { PIXELFORGE_WEBP_DERIVATIVE: 'false' };
  try {
    const photos = await Promise.all(Array.from({ length: 8 }, () => noiseJpeg(5)));
    let up: UpProcess = await startUp(dataDir, env);
    const ids: string[] = [];
    let bytes = 0;
    let lastSeq = 0;
    let uploadMs = 0;
    const rows: string[][] = [];
    let first: number[] | undefined;
    const measure = async (label: string) => {
      const id = ids[Math.floor(Math.random() * ids.length)]!;
      const values = [
        await timed(() => up.request(`/v1/statistics?days=30&after=${lastSeq}`)),
        await timed(() => up.request('/v1/groups?limit=20')),
        await timed(() => up.request('/v1/images?limit=100')),
        await timed(() => up.request(`/v1/images/${id}/content`)),
      ];
      first ??= values;
      const [mongo, blobs, rss] = [
        await du(path.join(dataDir, 'mongo')),
        await du(path.join(dataDir, 'blobs')),
        await mongoRssMb(dataDir),
      ];
      rows.push([
        label,
        String(ids.length),
        (blobs / GB).toFixed(2),
        (mongo / 1e6).toFixed(1),
        rss.toFixed(0),
        ...values.map((v, i) => `${ms(v)} (${ratio(v / first![i]!)})`),
      ]);
    };
    const steps = [0.5, ...Array.from({ length: Math.floor(targetGb) }, (_, i) => i + 1)].filter(
      (g) => g <= targetGb,
    );
    for (const step of steps) {
      const started = performance.now();
      while (bytes < step * GB) {
        await Promise.all(
          photos.slice(0, 4).map(async (_, i) => {
            const photo = photos[(ids.length + i) % photos.length]!;
            const res = await up.request('/v1/images', {
              method: 'POST',
              body: uploadForm(photo, { group: `volume ${ids.length % 20}` }),
            });
            if (res.status !== 201) throw new Error(`upload: ${res.status} ${await res.text()}`);
            const written = (await res.json()) as { id: string; seq: number };
            ids.push(written.id);
            lastSeq = Math.max(lastSeq, written.seq);
            bytes += photo.length;
          }),
        );
      }
      uploadMs += performance.now() - started;
      await measure(`${step} GB`);
    }
    await up.stop();
    const restartStarted = performance.now();
    up = await startUp(dataDir, env);
    const restartMs = performance.now() - restartStarted;
    await measure('after restart');
    await up.stop();
    return [
      `embedded volume: pixelforge up with its own servers, ${ids.length} noise JPEGs of ~5 MB (${(bytes / GB).toFixed(2)} GB),`,
      `  4 uploads at a time: ${(bytes / 1e6 / (uploadMs / 1000)).toFixed(0)} MB/s; restart on the data took ${(restartMs / 1000).toFixed(1)} s`,
      '  median of 5 per read; in brackets the ratio to the first step of this run',
      table([
        [
          'stored',
          'images',
          'blobs GB',
          'H2 file MB',
          'Mongo-wire RSS MB',
          'statistics',
          'groups page',
          'images page',
          'one 5 MB image',
        ],
        ...rows,
      ]),
    ].join('\n');
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
