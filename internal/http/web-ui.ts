// The web UI: a small Preact application (internal/web, TypeScript) served by the ingress itself. There is no
// build step and nothing comes from a CDN: the modules are stripped of their types once, at start-up (amaro,
// the type stripper Node itself uses), Preact and htm are served from node_modules, and an import map ties the
// bare names together, so the UI works offline and behind any proxy.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'amaro';
import { z } from '@hono/zod-openapi';
import type { App } from './context.ts';

interface Asset {
  body: string;
  type: string;
  etag: string;
}

const WEB_DIR = new URL('../web/', import.meta.url);

/** The third-party modules the UI imports, by the names its sources use. */
const VENDOR: Record<string, string> = {
  preact: 'preact',
  'preact/hooks': 'preact/hooks',
  htm: 'htm',
  'htm/preact': 'htm/preact',
};

const vendorFile = (name: string) => `vendor-${name.replace('/', '-')}.mjs`;

const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Pixelforge</title>
<link rel="stylesheet" href="/ui/style.css"><link rel="icon" href="data:,">
<script type="importmap">${JSON.stringify({
  imports: Object.fromEntries(Object.keys(VENDOR).map((name) => [name, `/ui/${vendorFile(name)}`])),
})}</script>
<script type="module" src="/ui/main.ts"></script></head>
<body><div id="app"><noscript><p class="noscript">The Pixelforge web UI needs JavaScript. The API works without
it: see <a href="/docs">/docs</a> and <code>pixelforge --help</code>.</p></noscript></div></body></html>`;

function asset(body: string, type: string): Asset {
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

let loaded: Map<string, Asset> | undefined;

/** Reads and prepares every asset once per process: a missing or malformed file fails the start, not a page view. */
export function loadWebAssets(): Map<string, Asset> {
  if (loaded) return loaded;
  const assets = new Map<string, Asset>();
  for (const file of readdirSync(WEB_DIR)) {
    const source = readFileSync(new URL(file, WEB_DIR), 'utf8');
    if (file.endsWith('.ts') && !file.endsWith('.test.ts'))
      assets.set(file, asset(transformSync(source, { mode: 'strip-only' }).code, 'text/javascript'));
    else if (file.endsWith('.css')) assets.set(file, asset(source, 'text/css'));
  }
  for (const [name, specifier] of Object.entries(VENDOR)) {
    const path = fileURLToPath(import.meta.resolve(specifier));
    assets.set(vendorFile(name), asset(readFileSync(path, 'utf8'), 'text/javascript'));
  }
  loaded = assets;
  return assets;
}

export function registerWebUi(app: App): void {
  const assets = loadWebAssets();
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/',
    summary: 'The web UI: gallery, upload, image view, enhancement, jobs and statistics (HTML)',
    responses: { 200: { description: 'HTML', content: { 'text/html': { schema: z.string() } } } },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/ui/{file}',
    summary: "The web UI's scripts and style sheet (ETag; revalidated on every load)",
    request: { params: z.object({ file: z.string().openapi({ param: { name: 'file', in: 'path' } }) }) },
    responses: {
      200: { description: 'A module or style sheet', content: { 'text/javascript': { schema: z.string() } } },
      304: { description: 'Not modified' },
      404: { description: 'No such asset' },
    },
  });
  app.get('/', (c) => c.html(PAGE));
  app.get('/ui/:file', (c) => {
    const found = assets.get(c.req.param('file'));
    if (!found) return c.json({ code: 'not_found', message: `no asset ${c.req.path}` }, 404);
    c.header('cache-control', 'no-cache');
    c.header('etag', found.etag);
    c.header('x-content-type-options', 'nosniff');
    if (c.req.header('if-none-match') === found.etag) return c.body(null, 304);
    return c.body(found.body, 200, { 'content-type': `${found.type}; charset=utf-8` });
  });
}
