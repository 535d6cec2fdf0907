// The importer process: runs imports (pf.import.requested) from MongoDB sources, downloading politely.
import { runProcess } from '../../internal/wiring/process-main.ts';
import { startImporter } from '../../internal/wiring/importer.ts';
import { startHealthServer } from '../../internal/wiring/health-server.ts';

await runProcess({
  name: 'importer',
  summary:
    'Runs imports: reads documents from a named MongoDB source, downloads the image URLs in them under a global\n' +
    'and a per-host cap, with retries, SSRF protection and the upload checks, and stores them like uploads.',
  variables: [
    'PIXELFORGE_HEALTH_PORT',
    'PIXELFORGE_IMPORT_SOURCES',
    'PIXELFORGE_IMPORT_ALLOW_PRIVATE',
    'PIXELFORGE_IMPORT_CONCURRENCY',
    'PIXELFORGE_IMPORT_PER_HOST',
    'PIXELFORGE_IMPORT_ATTEMPTS',
    'PIXELFORGE_IMPORT_TIMEOUT_MS',
    'PIXELFORGE_MAX_UPLOAD_BYTES',
    'PIXELFORGE_MAX_PIXELS',
  ],
  async start(config, conn, logger) {
    const importer = await startImporter(config, conn, logger);
    const health = await startHealthServer(config.PIXELFORGE_HEALTH_PORT, conn.readiness, importer.metrics);
    logger.info('importer running', { health: health.port });
    return [health.close, importer.stop];
  },
});
