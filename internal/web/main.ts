// The web UI's shell: the login page, the header (navigation, who is logged in), the message line, and the page
// the address names.
// Pages: #/ the gallery and upload, #/images/<id> one image, #/jobs the enhancement jobs, #/stats statistics.
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, session, type Caller } from './api.ts';
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
  if (error instanceof ApiError && error.status === 401) return `${error.message} — log in again.`;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The login page: an account (log in, or create one), or an API key for operators. */
function LoginPage({ onLogin }: { onLogin: (caller: Caller) => void }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = (how: (form: FormData) => Promise<Caller>) => async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      onLogin(await how(new FormData(e.target as HTMLFormElement)));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const field = (form: FormData, name: string) => String(form.get(name) ?? '');
  const [creating, setCreating] = useState(false);
  return html`<section class="login" aria-labelledby="login-title">
    <h1 id="login-title">${creating ? 'Create an account' : 'Log in to Pixelforge'}</h1>
    <form
      id="login"
      onSubmit=${submit((f) =>
        creating
          ? session.register(field(f, 'email'), field(f, 'password'))
          : session.login(field(f, 'email'), field(f, 'password')),
      )}
    >
      <label for="email">E-mail</label>
      <input id="email" name="email" type="email" autocomplete="username" required />
      <label for="password">Password</label>
      <input
        id="password"
        name="password"
        type="password"
        autocomplete=${creating ? 'new-password' : 'current-password'}
        minlength=${creating ? 12 : undefined}
        required
      />
      ${creating && html`<p class="hint">At least 12 characters, and not your e-mail address.</p>`}
      <button type="submit" disabled=${busy}>${creating ? 'Create account' : 'Log in'}</button>
      <button type="button" class="link" onClick=${() => setCreating(!creating)}>
        ${creating ? 'I have an account' : 'Create an account'}
      </button>
    </form>
    <details class="key">
      <summary>Use an API key instead</summary>
      <form id="key-login" onSubmit=${submit((f) => session.loginWithKey(field(f, 'key').trim()))}>
        <label for="key">API key</label>
        <input id="key" name="key" type="password" autocomplete="off" required />
        <p class="hint">
          ${''}<code>npm start</code>${' prints one and stores it in '}<code>.data/admin.key</code>${"; a deployment's keys are in "}<code>PIXELFORGE_API_KEYS</code>${'. The server keeps it in a cookie no script can read.'}
        </p>
        <button type="submit" disabled=${busy}>Use this key</button>
      </form>
    </details>
    <p id="login-error" class="msg error" role="alert">${error}</p>
  </section>`;
}

/** Who is logged in, and the way out. */
function UserMenu({ caller, onLogout }: { caller: Caller; onLogout: () => void }) {
  // A public gallery shows itself to anyone; logging in is how one changes anything.
  if (caller.role === 'anonymous')
    return html`<div class="user">
      <span class="who">Public gallery</span>
      <button type="button" onClick=${onLogout}>Log in</button>
    </div>`;
  const name = caller.user?.email ?? caller.actor;
  return html`<div class="user">
    <span class="who" title=${caller.actor}>${name} · ${caller.role}</span>
    <button
      type="button"
      onClick=${async () => {
        await session.logout();
        onLogout();
      }}
    >
      Log out
    </button>
  </div>`;
}

function App() {
  // undefined: asking the server; null: nobody is logged in.
  const [caller, setCaller] = useState<Caller | null | undefined>(undefined);
  useEffect(() => {
    session.current().then(setCaller, () => setCaller(null));
  }, []);
  if (caller === undefined) return html`<p class="hint">Loading…</p>`;
  if (caller === null)
    return html`<header><a class="brand" href="#/">Pixelforge</a></header>
      <main><${LoginPage} onLogin=${setCaller} /></main>`;
  return html`<${Shell} caller=${caller} onLogout=${() => setCaller(null)} />`;
}

function Shell({ caller, onLogout }: { caller: Caller; onLogout: () => void }) {
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
      <${UserMenu} caller=${caller} onLogout=${onLogout} />
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
