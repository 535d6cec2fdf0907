// Peak memory of one large enhancement, measured in a child process so nothing else in the run inflates it.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { photoLikePng } from '../../internal/adapters/sharp/test-images.ts';
import { TS_ENTRY_ARGS } from '../../internal/wiring/typescript-entry.ts';

const run = promisify(execFile);
const LIMIT_BYTES = 1.5e9;

/**
 * Enhances a 2000×1500 photo-like PNG ×4 (an 8000×6000 JPEG) with `model` in a fresh Node process and reports
 * that process's peak resident set size against the 1.5 GB target.
 */
export async function benchEnhanceMemory(
  model = 'esrgan-slim',
  modelsDir = path.resolve(import.meta.dirname, '../../models'),
): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pf-bench-memory-'));
  try {
    const input = path.join(dir, 'input.png');
    await writeFile(input, await photoLikePng(2000, 1500));
    const child = path.join(import.meta.dirname, 'enhance-memory-child.ts');
    const { stdout } = await run(process.execPath, [...TS_ENTRY_ARGS, child, modelsDir, model, '4', input], {
      maxBuffer: 1 << 20,
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      maxRssBytes: number;
      ms: number;
      width: number;
      height: number;
      tiles: number;
      tileSize: number;
    };
    const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
    return [
      `enhance memory: 2000×1500 → ×4 (${result.width}×${result.height} JPEG), ${model}, default memory budget, child process`,
      `  peak RSS ${mb(result.maxRssBytes)} = ${(result.maxRssBytes / LIMIT_BYTES).toFixed(2)} of the ${mb(LIMIT_BYTES)} target  (${result.tiles} tiles of ${result.tileSize} px, ${(result.ms / 1000).toFixed(1)} s)`,
    ].join('\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
