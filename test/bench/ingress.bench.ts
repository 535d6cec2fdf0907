// The "Ingress and read models" benchmark section: upload throughput, upload → visible latency, read-model
// queries at 100 000 images, and the ingress' peak memory during a burst of large uploads.
import { fileURLToPath } from 'node:url';
import { benchIngressMemory } from './ingress-memory.ts';
import { benchIngressQueries } from './ingress-queries.ts';
import { benchIngressUpload } from './ingress-upload.ts';
import { benchIngressVisibility } from './ingress-visibility.ts';

/** Runs every part of the section in turn (each starts and stops its own servers) and returns their tables. */
export async function benchIngress(): Promise<string> {
  const parts: string[] = [];
  for (const part of [
    () => benchIngressUpload(),
    () => benchIngressVisibility(),
    () => benchIngressQueries(),
    () => benchIngressMemory(),
  ]) {
    parts.push(await part());
  }
  return parts.join('\n\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(await benchIngress());
