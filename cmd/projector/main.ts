// The projector process: keeps the MongoDB read models up to date from the event streams.
import { loadConfig } from '../../internal/config/config.ts';
import { createLogger } from '../../internal/telemetry/logger.ts';
import { startTracing } from '../../internal/telemetry/tracing.ts';
import { openConnections } from '../../internal/wiring/connections.ts';
import { startHealthServer } from '../../internal/wiring/health-server.ts';
import { startProjector } from '../../internal/wiring/projector.ts';
import { onShutdown } from '../../internal/wiring/shutdown.ts';

const config = loadConfig();
const logger = createLogger({ level: config.LOG_LEVEL, fields: { process: 'projector' } });
const stopTracing = startTracing('pixelforge-projector', config.PIXELFORGE_TRACES);
const conn = await openConnections(config, 'projector');
const projector = await startProjector(config, conn, logger);
const health = await startHealthServer(config.PIXELFORGE_HEALTH_PORT, conn.readiness);
logger.info('projector running', { nats: config.NATS_URL, health: health.port });
onShutdown(logger, [health.close, projector.stop, conn.close, stopTracing]);
