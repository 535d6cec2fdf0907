// `pixelforge stats`: images created in the last N days, by current status.
import { createApiClient } from '../../../internal/cli/client.ts';
import { numberFlag, parseCommandArgs, type Command } from '../../../internal/cli/command.ts';

const STATUSES = ['new', 'review', 'accepted', 'deleted'] as const;
const MARKS: Record<(typeof STATUSES)[number], string> = {
  new: 'n',
  review: 'r',
  accepted: 'a',
  deleted: 'd',
};
type Day = { day: string } & Record<(typeof STATUSES)[number], number>;

/** One line a day: the date, the counts, and a bar of marks (n r a d) scaled to the busiest day. */
async function printDaily(days: number, json: boolean): Promise<number> {
  const body = await (await createApiClient()).call<{ days: Day[] }>(`/v1/statistics/daily?days=${days}`);
  if (json) {
    process.stdout.write(`${JSON.stringify(body)}\n`);
    return 0;
  }
  const total = (d: Day) => STATUSES.reduce((n, s) => n + d[s], 0);
  const widest = Math.max(1, ...body.days.map(total));
  const width = Math.min(40, widest);
  process.stdout.write(`day         ${STATUSES.map((s) => s.padStart(8)).join('')}\n`);
  for (const d of body.days) {
    const bar = STATUSES.map((s) => MARKS[s].repeat(Math.round((d[s] / widest) * width))).join('');
    process.stdout.write(`${d.day}  ${STATUSES.map((s) => String(d[s]).padStart(8)).join('')}  ${bar}\n`);
  }
  process.stdout.write(`(bar: ${STATUSES.map((s) => `${MARKS[s]} ${s}`).join(', ')})\n`);
  return 0;
}

export const command: Command = {
  name: 'stats',
  summary: 'images of the last N days by status',
  help: `Usage: pixelforge stats [--days 30] [--daily] [--json]

Images created in the last --days days (UTC, today included) by their current status.

Options:
      --days N   how many days, today included (default 30; up to 3650, or 366 with --daily)
      --daily    one line per day, with a bar of its images by status
      --json     the counts as JSON (with --daily: {days: [{day, new, review, accepted, deleted}]})

Examples:
  pixelforge stats
  pixelforge stats --days 7 --daily

Exit codes: 0 printed, 1 the server refused or could not be reached, 2 bad arguments.`,
  async run(argv) {
    const args = parseCommandArgs(this, argv, {
      days: { type: 'string', default: '30' },
      json: { type: 'boolean' },
      daily: { type: 'boolean' },
    });
    if (!args) return 0;
    const days = numberFlag('days', args.values.days, 1, args.values.daily ? 366 : 3650) ?? 30;
    if (args.values.daily) return printDaily(days, args.values.json ?? false);
    const stats = await (await createApiClient()).call<Record<string, number>>(`/v1/statistics?days=${days}`);
    if (args.values.json) process.stdout.write(`${JSON.stringify(stats)}\n`);
    else for (const [status, n] of Object.entries(stats)) process.stdout.write(`${status.padEnd(9)}${n}\n`);
    return 0;
  },
};
