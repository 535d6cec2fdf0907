// The interactive API reference: Swagger UI from its npm package, served by the ingress (no CDN: it works
// offline), reading /openapi.json; a plain list of the operations for a browser without scripts.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { App } from './context.ts';
interface Operation {
  summary?: string;
  description?: string;
  parameters?: unknown[];
  requestBody?: unknown;
  responses?: Record<string, { description?: string }>;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** Renders every operation with its parameters, body and responses. */
export function renderDocsPage(doc: { paths?: object }): string {
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Operation>>;
  const sections = Object.entries(paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, op]) => {
      const params = (op.parameters ?? []) as {
        name: string;
        in: string;
        required?: boolean;
        description?: string;
      }[];
      const responses = Object.entries(op.responses ?? {})
        .map(([status, r]) => `<li><code>${status}</code> ${escape(r.description ?? '')}</li>`)
        .join('');
      return `<section><h2><span class="m ${method}">${method.toUpperCase()}</span> <code>${escape(path)}</code></h2>
<p>${escape(op.summary ?? '')}</p>${op.description ? `<p>${escape(op.description)}</p>` : ''}
${params.length ? `<h3>Parameters</h3><ul>${params.map((p) => `<li><code>${escape(p.name)}</code> (${p.in}${p.required ? ', required' : ''}) ${escape(p.description ?? '')}</li>`).join('')}</ul>` : ''}
${op.requestBody ? `<h3>Body</h3><pre>${escape(JSON.stringify(op.requestBody, null, 2))}</pre>` : ''}
<h3>Responses</h3><ul>${responses}</ul></section>`;
    }),
  );
  return `<section class="plain"><p>Machine-readable: <a href="/openapi.json">/openapi.json</a>. Writes need the
<code>X-API-Key</code> header. Errors are JSON <code>{ code, message, details? }</code>.</p>${sections.join('\n')}</section>`;
}

/** The Swagger UI files served under /docs/, and their types. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'init.js': 'text/javascript; charset=utf-8',
};

// Try-it-out on by default; the key typed into Authorize stays in the page (not in storage).
const INIT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  tryItOutEnabled: true,
  persistAuthorization: false,
  displayRequestDuration: true,
  filter: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
document.querySelector('.plain')?.remove();
`;

const swaggerDir = () => dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** Serves /docs (Swagger UI over `document()`) and its files. */
export function registerDocs(app: App, document: () => { paths?: object }): void {
  const cache = new Map<string, Buffer>();
  app.get('/docs', (c) =>
    c.html(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Pixelforge API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<style>body{margin:0;font:15px system-ui,sans-serif}.plain{max-width:60rem;margin:2rem auto;padding:0 1rem}
.plain pre{background:#f6f6f6;padding:.5rem;overflow:auto;font-size:12px}.m{font-size:12px;padding:2px 6px;
border-radius:3px;color:#fff;background:#555}</style></head><body>
<div id="swagger-ui"></div>${renderDocsPage(document())}
<script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script></body></html>`),
  );
  app.get('/docs/:file', async (c) => {
    const file = c.req.param('file');
    const type = ASSETS[file];
    if (!type) return c.json({ code: 'not_found', message: `no file ${file} in the API reference` }, 404);
    let body = cache.get(file);
    if (!body) {
      body = file === 'init.js' ? Buffer.from(INIT) : await readFile(join(swaggerDir(), file));
      cache.set(file, body);
    }
    c.header('Content-Type', type);
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(new Uint8Array(body));
  });
}
