// `pixelforge projections verify`: compares the read models with a fold of the image stream and reports drift.
import { loadConfig } from '../../../internal/config/config.ts';
import { parseCommandArgs, type Command } from '../../../internal/cli/command.ts';
import { openConnections } from '../../../internal/wiring/connections.ts';
import { verifyProjections } from '../../../internal/wiring/verify.ts';

export const command: Command = {
  name: 'projections verify',
  summary: 'compare the read models with a fold of the event stream',
  help: `Usage: pixelforge projections verify [--json]

Replays the image event stream, up to its current end, into a scratch database with the projector's
own code, compares every document of images, groups, daily_status_counts and image_tombstones with the
live read models, and drops the scratch database. Exit 0 when they match, 1 when they drift (then
\`pixelforge projections rebuild\` repairs them). Exact when the stream is quiet: events published while it
runs show up as drift in the documents they touch. Connects to NATS_URL and MONGO_URL directly.

Options:
  --json   print the report as JSON`,
  async run(argv) {
    const args = parseCommandArgs(this, argv, { json: { type: 'boolean' } });
    if (!args) return 0;
    await using conn = await openConnections(loadConfig(), 'verify');
    const tty = process.stderr.isTTY;
    const report = await verifyProjections(conn, {
      onProgress: (folded, total) => tty && process.stderr.write(`\rfolded ${folded}/${total} events`),
    });
    if (tty) process.stderr.write('\n');
    if (args.values.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return report.ok ? 0 : 1;
    }
    const lines = [
      `folded the stream to sequence ${report.foldedTo}; the projector had applied ${report.appliedLive}`,
      ...report.collections.map((c) => {
        const head = `${c.collection.padEnd(20)} live ${String(c.live).padStart(7)}  folded ${String(c.folded).padStart(7)}`;
        if (c.drift === 0) return `${head}  equal`;
        const ids = (label: string, list: string[]) =>
          list.length ? `\n    ${label}: ${list.join(' ')}` : '';
        return `${head}  DRIFT in ${c.drift}${ids('missing', c.missing)}${ids('extra', c.extra)}${ids('different', c.different)}`;
      }),
      report.ok
        ? 'the read models match the stream'
        : 'the read models drift from the stream: `pixelforge projections rebuild` repairs them',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return report.ok ? 0 : 1;
  },
};
