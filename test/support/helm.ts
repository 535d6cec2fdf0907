// The real helm CLI for the chart test, built from its Go module by test/support/helm/build.sh and cached.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';

const run = promisify(execFile);
const buildScript = fileURLToPath(new URL('./helm/build.sh', import.meta.url));
const chartValues = fileURLToPath(new URL('../../charts/pixelforge/values.yaml', import.meta.url));
export const HELM_VERSION = 'v3.19.2';

/** The helm binary, building it first when it is not cached yet. */
export async function helmBinary(): Promise<string> {
  const cache = process.env.PIXELFORGE_CACHE || join(homedir(), '.cache', 'pixelforge');
  await run('bash', [buildScript], {
    env: { ...process.env, HELM_VERSION },
    timeout: 15 * 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return join(cache, 'helm', HELM_VERSION, 'helm');
}

/** `helm <args>`; rejects with helm's stderr when it fails. */
export async function helm(args: string[]): Promise<string> {
  const binary = await helmBinary();
  try {
    return (await run(binary, args, { maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch (err) {
    const { stderr } = err as { stderr?: string };
    throw new Error(`helm ${args.join(' ')} failed: ${stderr?.trim() ?? (err as Error).message}`, {
      cause: err,
    });
  }
}

/** The Node flags the chart gives the importer (`importer.nodeFlags` in its values), for tests and benches. */
export async function chartImporterFlags(): Promise<string[]> {
  const values = parse(await readFile(chartValues, 'utf8')) as { importer: { nodeFlags: string[] } };
  return values.importer.nodeFlags;
}
