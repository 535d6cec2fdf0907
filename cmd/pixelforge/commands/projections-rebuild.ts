// `pixelforge projections rebuild`: drops the read models and replays the image stream into them.
import { loadConfig } from '../../../internal/config/config.ts';
import { parseCommandArgs, type Command } from '../../../internal/cli/command.ts';
import { createLogger } from '../../../internal/telemetry/logger.ts';
import { openConnections } from '../../../internal/wiring/connections.ts';
import { rebuildProjections } from '../../../internal/wiring/rebuild.ts';

export const command: Command = {
  name: 'projections rebuild',
  summary: 'rebuild the read models from the event stream',
  help: `Usage: pixelforge projections rebuild [--force]

Drops images, groups, daily_status_counts and image_tombstones, then replays the image event stream
into them. Connects to NATS_URL and MONGO_URL directly. Stop the projector first (\`pixelforge up\`
included): the command refuses while a projector is pulling from the stream, unless --force.`,
  async run(argv) {
    const args = parseCommandArgs(this, argv, { force: { type: 'boolean' } });
    if (!args) return 0;
    const config = loadConfig();
    const logger = createLogger({ level: 'warn' });
    await using conn = await openConnections(config, 'rebuild');
    const started = Date.now();
    const events = await rebuildProjections(config, conn, logger, {
      force: args.values.force ?? false,
      onProgress: (applied, total) => process.stderr.write(`\rreplayed ${applied}/${total} events`),
    });
    process.stderr.write('\n');
    process.stdout.write(`rebuilt the read models from ${events} events in ${Date.now() - started} ms\n`);
    return 0;
  },
};
