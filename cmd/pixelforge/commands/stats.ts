// `pixelforge stats`: images created in the last N days, by current status.
import { createApiClient } from '../../../internal/cli/client.ts';
import { numberFlag, parseCommandArgs, type Command } from '../../../internal/cli/command.ts';

export const command: Command = {
  name: 'stats',
  summary: 'images of the last N days by status',
  help: `Usage: pixelforge stats [--days 30] [--json]

Images created in the last --days days (UTC, today included) by their current status.`,
  async run(argv) {
    const args = parseCommandArgs(this, argv, {
      days: { type: 'string', default: '30' },
      json: { type: 'boolean' },
    });
    if (!args) return 0;
    const days = numberFlag('days', args.values.days, 1, 3650);
    const stats = await (await createApiClient()).call<Record<string, number>>(`/v1/statistics?days=${days}`);
    if (args.values.json) process.stdout.write(`${JSON.stringify(stats)}\n`);
    else for (const [status, n] of Object.entries(stats)) process.stdout.write(`${status.padEnd(9)}${n}\n`);
    return 0;
  },
};
