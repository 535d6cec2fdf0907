// The controller process: reconciles EnhancementJobs into worker Jobs (or local processes), leader-elected,
// with /healthz and /readyz for its probes.
import { loadConfig } from '../../internal/config/config.ts';
import { createLogger } from '../../internal/telemetry/logger.ts';
import { startTracing } from '../../internal/telemetry/tracing.ts';
import { openConnections } from '../../internal/wiring/connections.ts';
import { startController } from '../../internal/wiring/controller.ts';
import { startHealthServer } from '../../internal/wiring/health-server.ts';
import { onShutdown } from '../../internal/wiring/shutdown.ts';

const config = loadConfig();
const logger = createLogger({ level: config.LOG_LEVEL, fields: { process: 'controller' } });
const stopTracing = startTracing('pixelforge-controller', config.PIXELFORGE_TRACES);
const conn = await openConnections(config, 'controller');
const controller = await startController(config, conn, logger);
const health = await startHealthServer(config.PIXELFORGE_HEALTH_PORT, { nats: conn.readiness.nats });
logger.info('controller running', {
  runtime: config.PIXELFORGE_RUNTIME,
  namespace: config.PIXELFORGE_NAMESPACE,
  health: health.port,
});
onShutdown(logger, [controller.stop, health.close, conn.close, stopTracing]);
