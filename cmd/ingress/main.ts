// The ingress process: the HTTP API and web UI.
import { loadConfig } from '../../internal/config/config.ts';
import { createLogger } from '../../internal/telemetry/logger.ts';
import { startTracing } from '../../internal/telemetry/tracing.ts';
import { openConnections } from '../../internal/wiring/connections.ts';
import { buildIngressApp, listen } from '../../internal/wiring/ingress.ts';
import { onShutdown } from '../../internal/wiring/shutdown.ts';

const config = loadConfig();
const logger = createLogger({ level: config.LOG_LEVEL, fields: { process: 'ingress' } });
const stopTracing = startTracing('pixelforge-ingress', config.PIXELFORGE_TRACES);
const conn = await openConnections(config, 'ingress');
const server = await listen(buildIngressApp(config, conn, logger), config.PORT, config.HOST);
logger.info('ingress listening', { url: server.url });
onShutdown(logger, [server.close, conn.close, stopTracing]);
