// The whole-process cost of `pixelforge enhance` (start-up, model load, decode, tiling, encode) against one
// untiled run of the same model in a bare script, on a 512×512 photo: issue 9 bounds it at 1.25×. Rounds
// alternate the two so that drift in the machine's load hits both.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { benchPhotos } from './photos.ts';
import { percentile, table } from './load-stats.ts';
import { TS_ENTRY_ARGS } from '../../internal/wiring/typescript-entry.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const SIDE = 512;

async function photo512(): Promise<Buffer> {
  const [first] = await benchPhotos();
  return sharp(first!).resize(SIDE, SIDE, { fit: 'cover' }).png().toBuffer();
}

async function cliMs(input: string, output: string, model: string): Promise<{ ms: number; tiles: number }> {
  const started = performance.now();
  const { stdout } = await run(
    process.execPath,
    [path.join(ROOT, 'cmd/pixelforge/bin.mjs'), 'enhance', input, '-o', output, '--model', model, '--json'],
    { cwd: ROOT, maxBuffer: 1 << 20 },
  );
  const ms = performance.now() - started;
  return { ms, tiles: (JSON.parse(stdout) as { tiles: number }).tiles };
}

async function bareMs(input: string, model: string): Promise<number> {
  const { stdout } = await run(
    process.execPath,
    [
      ...TS_ENTRY_ARGS,
      path.join(import.meta.dirname, 'enhance-bare-child.ts'),
      path.join(ROOT, 'models', model, 'x4.onnx'),
      input,
    ],
    { cwd: ROOT, maxBuffer: 1 << 20 },
  );
  return (JSON.parse(stdout.trim().split('\n').at(-1)!) as { runMs: number }).runMs;
}

export async function benchEnhanceProcess({
  models = ['realesr-general-x4v3', 'esrgan-slim'],
  rounds = 3,
} = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pf-bench-process-'));
  try {
    const input = path.join(dir, 'photo.png');
    await writeFile(input, await photo512());
    const rows: string[][] = [];
    for (const model of models) {
      const cli: number[] = [];
      const bare: number[] = [];
      let tiles = 0;
      for (let round = 0; round < rounds; round++) {
        bare.push(await bareMs(input, model));
        const result = await cliMs(input, path.join(dir, 'out.png'), model);
        cli.push(result.ms);
        tiles = result.tiles;
      }
      const [a, b] = [percentile(cli, 50), percentile(bare, 50)];
      rows.push([
        model,
        `${b.toFixed(0)} ms`,
        `${a.toFixed(0)} ms (${tiles} tile${tiles === 1 ? '' : 's'})`,
        (a / b).toFixed(2),
      ]);
    }
    return [
      `enhance whole process: ${SIDE}×${SIDE} photo → ×4 PNG, every core, median of ${rounds} alternating rounds`,
      table([
        ['model', 'bare: one untiled run', 'pixelforge enhance (whole process)', 'ratio (bound 1.25)'],
        ...rows,
      ]),
    ].join('\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
