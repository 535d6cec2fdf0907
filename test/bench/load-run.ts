// Runs the load generator in a child process and returns its samples.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type {
  ClosedLoopResult,
  ClosedLoopSpec,
  LoadSpec,
  VisibilityResult,
  VisibilitySpec,
} from './load-generator.ts';
import { TS_ENTRY_ARGS } from '../../internal/wiring/typescript-entry.ts';

const run = promisify(execFile);
const GENERATOR = path.join(import.meta.dirname, 'load-generator.ts');

/** Runs one load; the child is killed if it outlives `limitMs` (a bench must end even when a server hangs). */
export async function runLoad(spec: ClosedLoopSpec, limitMs: number): Promise<ClosedLoopResult>;
export async function runLoad(spec: VisibilitySpec, limitMs: number): Promise<VisibilityResult>;
export async function runLoad(spec: LoadSpec, limitMs: number): Promise<ClosedLoopResult | VisibilityResult> {
  const { stdout } = await run(process.execPath, [...TS_ENTRY_ARGS, GENERATOR, JSON.stringify(spec)], {
    timeout: limitMs,
    killSignal: 'SIGKILL',
    maxBuffer: 64 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ClosedLoopResult | VisibilityResult;
}
