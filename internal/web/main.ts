// The web UI's shell: the header (navigation, the API key), the message line, and the page the address names.
// Pages: #/ the gallery and upload, #/images/<id> one image, #/jobs the enhancement jobs, #/stats statistics.
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, apiKey } from './api.ts';
import { Gallery } from './gallery.ts';
import { ImagePage } from './image-page.ts';
import { JobsPage } from './jobs-page.ts';
import { StatsPage } from './stats-page.ts';
import { NoticeContext, html, type Notice } from './ui.ts';

type Route = { page: 'gallery' } | { page: 'image'; id: string } | { page: 'jobs' } | { page: 'stats' };

function route(hash: string): Route {
  const image = /^#\/images\/([0-9A-Za-z]+)$/.exec(hash);
  if (image) return { page: 'image', id: image[1]! };
  if (hash === '#/jobs') return { page: 'jobs' };
  if (hash === '#/stats') return { page: 'stats' };
  return { page: 'gallery' };
}

function explain(error: unknown): string {
  if (error instanceof ApiError && error.status === 401)
    return `${error.message} — paste the API key that \`npm start\` printed (or one of PIXELFORGE_API_KEYS) into the key field above.`;
  if (error instanceof Error) return error.message;
  return String(error);
}

function KeyField() {
  const [key, setKey] = useState(apiKey.get());
  return html`<details class="key" open=${!key}>
    <summary>${key ? 'API key set' : 'Set the API key'}</summary>
    <label for="key">API key</label>
    <input
      id="key"
      type="password"
      autocomplete="off"
      value=${key}
      onChange=${(e: Event) => {
        const value = (e.target as HTMLInputElement).value.trim();
        apiKey.set(value);
        setKey(value);
      }}
    />
    <p class="hint">
      ${'Writes need a key: '}<code>npm start</code
      >${' prints one and stores it in '}<code>.data/admin.key</code>${"; a deployment's keys are in "}<code>PIXELFORGE_API_KEYS</code>${". It stays in this browser's storage, for this site only."}
    </p>
  </details>`;
}

function App() {
  const [current, setCurrent] = useState(route(location.hash));
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  useEffect(() => {
    const onHash = () => {
      setCurrent(route(location.hash));
      setMessage(null);
    };
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const notice = useMemo<Notice>(
    () => ({
      fail: (error) => setMessage({ text: explain(error), error: true }),
      done: (text) => setMessage(text ? { text, error: false } : null),
    }),
    [],
  );
  useEffect(() => {
    const titles = { gallery: 'Gallery', image: 'Image', jobs: 'Jobs', stats: 'Statistics' };
    document.title = `${titles[current.page]} · Pixelforge`;
  }, [current]);
  const link = (href: string, label: string, page: Route['page']) =>
    html`<a href=${href} aria-current=${current.page === page ? 'page' : undefined}>${label}</a>`;
  return html`<${NoticeContext.Provider} value=${notice}>
    <header>
      <a class="brand" href="#/">Pixelforge</a>
      <nav aria-label="Pages">
        ${link('#/', 'Gallery', 'gallery')} ${link('#/jobs', 'Jobs', 'jobs')} ${link('#/stats', 'Statistics', 'stats')}
        <a href="/docs">API</a>
      </nav>
      <${KeyField} />
    </header>
    <div id="msg" class=${message?.error ? 'msg error' : 'msg'} role=${message?.error ? 'alert' : 'status'}>
      ${message?.text ?? ''}
    </div>
    <main>
      ${current.page === 'gallery' && html`<${Gallery} />`}
      ${current.page === 'image' && html`<${ImagePage} id=${current.id} key=${current.id} />`}
      ${current.page === 'jobs' && html`<${JobsPage} />`}
      ${current.page === 'stats' && html`<${StatsPage} />`}
    </main>
  </${NoticeContext.Provider}>`;
}

render(html`<${App} />`, document.getElementById('app')!);
