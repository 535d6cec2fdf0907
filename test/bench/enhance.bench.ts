// The "Enhancement engine" benchmark section: speed, memory and quality of the models, each against baselines.
import { fileURLToPath } from 'node:url';
import { benchEnhanceMemory } from './enhance-memory.ts';
import { benchEnhanceQuality } from './enhance-quality.ts';
import { benchEnhanceSpeed } from './enhance-speed.ts';

/** Runs every part of the section in turn and returns their tables. */
export async function benchEnhance(): Promise<string> {
  const parts: string[] = [];
  for (const part of [benchEnhanceSpeed, () => benchEnhanceMemory(), benchEnhanceQuality]) {
    parts.push(await part());
  }
  return parts.join('\n\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(await benchEnhance());
