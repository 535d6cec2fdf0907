// The CLI's logins: one per server, in the user's config directory (PIXELFORGE_CONFIG_DIR, else
// $XDG_CONFIG_HOME/pixelforge, else ~/.config/pixelforge), in a file only its owner can read. The access token
// is renewed with the refresh token when it is about to end; every renewal rotates the refresh token, so the
// file is rewritten (atomically) each time.
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface StoredLogin {
  email: string;
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenExpiresAt: string;
}

/** Where the logins are kept. */
export function credentialsFile(env: NodeJS.ProcessEnv = process.env): string {
  const dir =
    env.PIXELFORGE_CONFIG_DIR ??
    join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'pixelforge');
  return join(dir, 'credentials.json');
}

async function readAll(file: string): Promise<Record<string, StoredLogin>> {
  const text = await readFile(file, 'utf8').catch(() => '');
  if (!text.trim()) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, StoredLogin>) : {};
  } catch {
    return {};
  }
}

export async function loadLogin(baseUrl: string, env = process.env): Promise<StoredLogin | undefined> {
  return (await readAll(credentialsFile(env)))[baseUrl];
}

/** Stores (or, with undefined, forgets) the login for `baseUrl`. */
export async function saveLogin(baseUrl: string, login: StoredLogin | undefined, env = process.env) {
  const file = credentialsFile(env);
  const all = await readAll(file);
  if (login) all[baseUrl] = login;
  else delete all[baseUrl];
  await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, file);
}

/** Reads a password without echoing it (from a terminal), or the first line of stdin (from a pipe). */
export async function readPassword(prompt: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    let text = '';
    for await (const chunk of input) text += String(chunk);
    return text.split(/\r?\n/)[0] ?? '';
  }
  process.stderr.write(prompt);
  input.setRawMode(true);
  input.resume();
  input.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (error?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    input.on('data', onData);
  });
}
