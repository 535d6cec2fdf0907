// A self-contained HTML page of the OpenAPI document (no external scripts: it works offline).
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
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pixelforge API</title>
<style>body{font:15px system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
section{border-top:1px solid #ddd;padding:.5rem 0}pre{background:#f6f6f6;padding:.5rem;overflow:auto;font-size:12px}
.m{font-size:12px;padding:2px 6px;border-radius:3px;color:#fff;background:#555}.get{background:#2a7}.post{background:#27c}
.put,.patch{background:#c80}.delete{background:#c33}</style></head><body>
<h1>Pixelforge API</h1><p>Machine-readable: <a href="/openapi.json">/openapi.json</a>. Writes need the <code>X-API-Key</code> header.
Errors are JSON <code>{ code, message, details? }</code>.</p>${sections.join('\n')}</body></html>`;
}
