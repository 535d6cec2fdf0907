// `pixelforge logout`: end the stored login to PIXELFORGE_URL, on the server too.
import { baseUrlOf } from '../../../internal/cli/client.ts';
import { parseCommandArgs, type Command } from '../../../internal/cli/command.ts';
import { loadLogin, saveLogin } from '../../../internal/cli/credentials.ts';

export const command: Command = {
  name: 'logout',
  summary: 'end the stored login',
  help: `Usage: pixelforge logout

Ends the login \`pixelforge login\` stored for PIXELFORGE_URL: the server revokes it (every token of it) and
the local copy is removed. Logging out twice is fine.

Exit codes: 0 logged out (or was not logged in), 1 the server could not be reached (the local copy is removed).`,
  async run(argv) {
    if (!parseCommandArgs(this, argv, {})) return 0;
    const baseUrl = baseUrlOf(process.env);
    const login = await loadLogin(baseUrl);
    if (!login) {
      process.stdout.write(`not logged in to ${baseUrl}\n`);
      return 0;
    }
    await saveLogin(baseUrl, undefined);
    const res = await fetch(`${baseUrl}/v1/auth/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: login.refreshToken }),
    }).catch(() => null);
    if (!res?.ok) {
      process.stderr.write(
        `pixelforge: removed the login, but ${baseUrl} could not be told (it ends by itself)\n`,
      );
      return 1;
    }
    process.stdout.write(`logged out ${login.email} from ${baseUrl}\n`);
    return 0;
  },
};
