// Writes the EnhancementJob CRD generated from the zod schema to deploy/crd/ and the chart's crds/;
// `--check` exits 1 instead when a committed copy differs (run: bash deploy/local/node.sh internal/resources/generate-crd.ts).
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { enhancementJobCrd } from './crd.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Where the generated CRD is committed, relative to the repository root. */
export const CRD_FILES = ['deploy/crd/enhancementjobs.yaml', 'charts/pixelforge/crds/enhancementjobs.yaml'];

/** The CRD as committed: a header saying where it comes from, then YAML. */
export function renderCrdYaml(): string {
  const header =
    '# Generated from internal/resources/enhancement-job.ts by internal/resources/generate-crd.ts: do not edit.\n';
  return header + stringify(enhancementJobCrd(), { lineWidth: 0, aliasDuplicateObjects: false });
}

/** The committed files that differ from what the schema generates now. */
export async function staleCrdFiles(): Promise<string[]> {
  const expected = renderCrdYaml();
  const stale: string[] = [];
  for (const file of CRD_FILES) {
    const actual = await readFile(root + file, 'utf8').catch(() => '');
    if (actual !== expected) stale.push(file);
  }
  return stale;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--check')) {
    const stale = await staleCrdFiles();
    for (const file of stale) process.stderr.write(`${file} is out of date: regenerate it\n`);
    return stale.length ? 1 : 0;
  }
  const yaml = renderCrdYaml();
  for (const file of CRD_FILES) await writeFile(root + file, yaml);
  process.stdout.write(`wrote ${CRD_FILES.join(', ')}\n`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
