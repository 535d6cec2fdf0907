// The projector process: keeps the MongoDB read models up to date from the event streams.
import { loadConfig } from '../../internal/config/config.ts';
import { createLogger } from '../../internal/telemetry/logger.ts';
import { startTracing } from '../../internal/telemetry/tracing.ts';
import { openConnections } from '../../internal/wiring/connections.ts';
import { startProjector } from '../../internal/wiring/projector.ts';
import { onShutdown } from '../../internal/wiring/shutdown.ts';

const config = loadConfig();
const logger = createLogger({ level: config.LOG_LEVEL, fields: { process: 'projector' } });
const stopTracing = startTracing('pixelforge-projector', config.PIXELFORGE_TRACES);
const conn = await openConnections(config, 'projector');
const projector = await startProjector(config, conn, logger);
logger.info('projector running', { nats: config.NATS_URL });
onShutdown(logger, [projector.stop, conn.close, stopTracing]);
