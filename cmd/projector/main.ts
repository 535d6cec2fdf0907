// The projector process: keeps the MongoDB read models up to date from the event streams.
import { startHealthServer } from '../../internal/wiring/health-server.ts';
import { runProcess } from '../../internal/wiring/process-main.ts';
import { startProjector } from '../../internal/wiring/projector.ts';

await runProcess({
  name: 'projector',
  summary:
    'Keeps the MongoDB read models (images, groups, statistics, jobs) up to date from the JetStream event\n' +
    'streams. One replica writes, holding a NATS KV lease; others wait as standbys.',
  variables: ['PIXELFORGE_HEALTH_PORT', 'PIXELFORGE_ORPHAN_BLOB_AGE_MS'],
  async start(config, conn, logger) {
    const projector = await startProjector(config, conn, logger);
    const health = await startHealthServer(config.PIXELFORGE_HEALTH_PORT, conn.readiness);
    logger.info('projector running', { nats: config.NATS_URL, health: health.port });
    return [health.close, projector.stop];
  },
});
