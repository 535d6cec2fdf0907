// `pixelforge login`: log in to PIXELFORGE_URL with an e-mail and password (creating the account with
// --create), and keep the login for later commands.
import { baseUrlOf, createApiClient, pickLogin } from '../../../internal/cli/client.ts';
import { parseCommandArgs, UsageError, type Command } from '../../../internal/cli/command.ts';
import { credentialsFile, readPassword, saveLogin } from '../../../internal/cli/credentials.ts';
import type { StoredLogin } from '../../../internal/cli/credentials.ts';

export const command: Command = {
  name: 'login',
  summary: 'log in (or create an account) and keep the login',
  help: `Usage: pixelforge login --email ADDRESS [--create] [--password-stdin]

Logs in to PIXELFORGE_URL and keeps the login in your config directory
(PIXELFORGE_CONFIG_DIR, else $XDG_CONFIG_HOME/pixelforge, else ~/.config/pixelforge), readable by you only.
Later commands act as you, renewing the login as they go (a login lasts 30 days of disuse). The password is
asked for without echo; from a pipe, give --password-stdin.

Options:
      --email ADDRESS    your account's e-mail address
      --create           create the account first (a password of 12 characters or more, not the e-mail)
      --password-stdin   read the password from the first line of stdin

Examples:
  pixelforge login --email ana@example.com
  pixelforge login --email ana@example.com --create
  printf '%s\\n' "$PASSWORD" | pixelforge login --email ana@example.com --password-stdin

Exit codes: 0 logged in, 1 refused (wrong password, too many attempts) or unreachable, 2 bad arguments.`,
  async run(argv) {
    const args = parseCommandArgs(this, argv, {
      email: { type: 'string' },
      create: { type: 'boolean' },
      'password-stdin': { type: 'boolean' },
    });
    if (!args) return 0;
    const email = args.values.email?.trim();
    if (!email) throw new UsageError(`--email is required\n\n${this.help.trim()}`);
    if (!args.values['password-stdin'] && !process.stdin.isTTY)
      throw new UsageError('stdin is not a terminal: give --password-stdin to read the password from it');
    const password = await readPassword('Password: ');
    if (!password) throw new UsageError('the password is empty');
    const client = await createApiClient(process.env, { anonymous: true });
    const body = JSON.stringify({ email, password });
    const headers = { 'content-type': 'application/json' };
    if (args.values.create) {
      await client.call('/v1/auth/register', { method: 'POST', headers, body });
      process.stdout.write(`created the account ${email}\n`);
    }
    const session = await client.call<Omit<StoredLogin, 'email'> & { user: { email: string; role: string } }>(
      '/v1/auth/login',
      { method: 'POST', headers, body },
    );
    const baseUrl = baseUrlOf(process.env);
    await saveLogin(baseUrl, { email: session.user.email, ...pickLogin(session) });
    process.stdout.write(
      `logged in to ${baseUrl} as ${session.user.email} (${session.user.role}); the login is kept in ${credentialsFile()}\n`,
    );
    if (process.env.PIXELFORGE_API_KEY)
      process.stdout.write('note: PIXELFORGE_API_KEY is set, and commands use it before this login\n');
    return 0;
  },
};
