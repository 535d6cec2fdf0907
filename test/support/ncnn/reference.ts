// Runs the reference NCNN runtime (run-ncnn.py in the venv that build.sh makes) on one CHW float32 image.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PYTHON = path.join(
  process.env.PIXELFORGE_NCNN_VENV ?? path.join(homedir(), '.cache/pixelforge/ncnn-venv'),
  'bin/python',
);
const SCRIPT = path.resolve(import.meta.dirname, 'run-ncnn.py');

export interface NcnnRun {
  /** The output, CHW float32. */
  output: Float32Array;
  /** Wall time of each of the `repeat` extractions after the first, in ms. */
  timingsMs: number[];
}

/** Runs the model in `files` on a 3×`height`×`width` image; `repeat` more runs are timed. */
export async function runNcnnReference(
  files: { param: string; bin: string },
  input: Float32Array,
  height: number,
  width: number,
  { threads = 2, repeat = 0 }: { threads?: number; repeat?: number } = {},
): Promise<NcnnRun> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pf-ncnn-'));
  try {
    const [source, target] = [path.join(dir, 'in.raw'), path.join(dir, 'out.raw')];
    await writeFile(source, input);
    const { stdout } = await run(PYTHON, [
      SCRIPT,
      files.param,
      files.bin,
      source,
      '3',
      String(height),
      String(width),
      target,
      String(threads),
      String(repeat),
    ]);
    const raw = await readFile(target);
    return {
      output: new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4),
      timingsMs: repeat ? (JSON.parse(stdout.trim().split('\n').at(-1)!) as number[]) : [],
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
