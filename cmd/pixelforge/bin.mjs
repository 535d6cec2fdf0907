#!/usr/bin/env node
// The `pixelforge` bin: runs the CLI's TypeScript directly where Node strips types itself (Node 24), and
// through tsx's loader on older Node (a development dependency, absent from the image).
if (!process.features.typescript) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import('./main.ts');
