// `pixelforge whoami`: who the CLI acts as on PIXELFORGE_URL, and with what.
import { createApiClient } from '../../../internal/cli/client.ts';
import { parseCommandArgs, type Command } from '../../../internal/cli/command.ts';

interface Caller {
  actor: string;
  role: string;
  user: { email: string } | null;
}

export const command: Command = {
  name: 'whoami',
  summary: 'who the CLI acts as',
  help: `Usage: pixelforge whoami [--json]

Prints who PIXELFORGE_URL takes this CLI for (an account and its role, or an operator key) and which credential
it used: PIXELFORGE_API_KEY, the login of \`pixelforge login\`, or the key \`pixelforge up\` wrote.

Exit codes: 0 printed, 1 not authenticated or unreachable.`,
  async run(argv) {
    const args = parseCommandArgs(this, argv, { json: { type: 'boolean' } });
    if (!args) return 0;
    const client = await createApiClient();
    const caller = await client.call<Caller>('/v1/auth/session');
    if (args.values.json) {
      process.stdout.write(`${JSON.stringify({ ...caller, credential: client.credential })}\n`);
      return 0;
    }
    process.stdout.write(
      `${caller.user?.email ?? caller.actor} (${caller.role}) at ${client.baseUrl}, with ${client.credential}\n`,
    );
    return 0;
  },
};
