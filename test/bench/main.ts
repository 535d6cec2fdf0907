// `npm run bench [-- <section…>]`: runs the named benchmark sections (all top-level ones by default) and prints their tables.
import { availableParallelism, cpus } from 'node:os';

interface Section {
  summary: string;
  run(): Promise<string>;
}

/** Sections by name; a name with a colon is a part of a section, run only when named. */
const SECTIONS: Record<string, Section> = {
  enhance: {
    summary: 'enhancement engine: speed, memory and quality',
    run: async () => (await import('./enhance.bench.ts')).benchEnhance(),
  },
  'enhance:speed': {
    summary: 'MP/s of each ×4 model vs lanczos3, UpscalerJS on TF.js wasm and the CPU peak',
    run: async () => (await import('./enhance-speed.ts')).benchEnhanceSpeed(),
  },
  'enhance:memory': {
    summary: 'peak RSS of a 2000×1500 → ×4 enhancement',
    run: async () => (await import('./enhance-memory.ts')).benchEnhanceMemory(),
  },
  'enhance:quality': {
    summary: 'PSNR/SSIM of each model vs lanczos3 on real photos',
    run: async () => (await import('./enhance-quality.ts')).benchEnhanceQuality(),
  },
  'enhance:drawings': {
    summary: 'the same on drawings (illustration material, for the anime models)',
    run: async () => (await import('./enhance-quality.ts')).benchEnhanceQuality({ set: 'illustrations' }),
  },
  'enhance:seams': {
    summary: 'Real-ESRGAN tiling: the smallest pad keeping tiled output within one level, and its cost',
    run: async () => (await import('./enhance-seams.ts')).benchEnhanceSeams(),
  },
  'enhance:process': {
    summary: 'pixelforge enhance of a 512×512 photo, whole process, against one bare untiled run',
    run: async () => (await import('./enhance-process.ts')).benchEnhanceProcess(),
  },
  'process:startup': {
    summary: 'start-up and peak RSS of each process: Node 20 + tsx against Node 24 type stripping',
    run: async () => (await import('./process-startup.ts')).benchProcessStartup(),
  },
  'enhance:ncnn': {
    summary: 'Real-ESRGAN inference: the engine vs the NCNN runtime on the same weights and threads',
    run: async () => (await import('./enhance-ncnn.ts')).benchEnhanceNcnn(),
  },
  video: {
    summary: 'video pipeline: overhead vs plain ffmpeg, the PNG way vs pipes, frames/s and inference share',
    run: async () => (await import('./video.bench.ts')).benchVideo(),
  },
  'video:overhead': {
    summary: 'a 720p clip through the pipe with an identity transform vs plain ffmpeg -c:v libx264',
    run: async () => (await import('./video.bench.ts')).benchVideoOverhead(),
  },
  'video:png': {
    summary: 'every frame as a PNG on disk vs the pipe, same model: time, disk, frames/s, inference share',
    run: async () => (await import('./video.bench.ts')).benchVideoPng(),
  },
  ingress: {
    summary: 'ingress and read models: uploads, visibility, queries, memory',
    run: async () => (await import('./ingress.bench.ts')).benchIngress(),
  },
  'ingress:upload': {
    summary: 'uploads/s and p50/p99 of the full upload path vs a no-op Hono route',
    run: async () => (await import('./ingress-upload.ts')).benchIngressUpload(),
  },
  'ingress:visibility': {
    summary: 'upload → visible in GET /v1/groups at 200 and 50 uploads/s; projector lag',
    run: async () => (await import('./ingress-visibility.ts')).benchIngressVisibility(),
  },
  'ingress:queries': {
    summary: 'GET /v1/groups and /v1/statistics at 100 000 images vs naive pipelines',
    run: async () => (await import('./ingress-queries.ts')).benchIngressQueries(),
  },
  'ingress:durability': {
    summary: 'uploads/s with each durability setting of the local stores vs the old background commit',
    run: async () => (await import('./ingress-durability.ts')).benchIngressDurability(),
  },
  'embedded:volume': {
    summary: 'pixelforge up holding PIXELFORGE_BENCH_VOLUME_GB (5) GB of photos: reads, H2 size, memory',
    run: async () => (await import('./embedded-volume.ts')).benchEmbeddedVolume(),
  },
  import: {
    summary: 'the importer: 1 000 URLs from 4 hosts vs a plain fetch loop with the same caps; peak RSS',
    run: async () => (await import('./import.bench.ts')).benchImport(),
  },
  'ingress:memory': {
    summary: 'peak RSS of the ingress during 50 concurrent ~20 MB uploads',
    run: async () => (await import('./ingress-memory.ts')).benchIngressMemory(),
  },
};

const USAGE = `Usage: npm run bench [-- <section…>]

Sections:
${Object.entries(SECTIONS)
  .map(([name, s]) => `  ${name.padEnd(20)}${s.summary}`)
  .join('\n')}`;

async function main(names: string[]): Promise<number> {
  if (names.includes('--help') || names.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const unknown = names.filter((n) => !(n in SECTIONS));
  if (unknown.length > 0) {
    console.error(`unknown section ${unknown.join(', ')}\n\n${USAGE}`);
    return 2;
  }
  const selected = names.length > 0 ? names : Object.keys(SECTIONS).filter((n) => !n.includes(':'));
  console.log(
    `# ${new Date().toISOString()}  node ${process.version}  ${cpus()[0]?.model ?? 'unknown CPU'} × ${availableParallelism()}`,
  );
  for (const name of selected) {
    const started = performance.now();
    console.log(`\n## ${name}\n${await SECTIONS[name]!.run()}`);
    console.log(`(${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
