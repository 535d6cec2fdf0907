// The version of this Pixelforge, from package.json (read once, at start-up).
import { readFileSync } from 'node:fs';

export const PIXELFORGE_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
