#!/usr/bin/env node
// The `pixelforge` bin: runs the CLI's TypeScript directly where Node strips types itself (Node 24), and
// through tsx's loader on older Node (a development dependency, absent from the image).
import module from 'node:module';

// Node's compile cache keeps the stripped TypeScript too (NODE_COMPILE_CACHE, else under the temporary
// directory): a second run neither strips types nor loads the stripper. It never throws; off where unwritable.
module.enableCompileCache?.();
if (!process.features.typescript) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import('./main.ts');
