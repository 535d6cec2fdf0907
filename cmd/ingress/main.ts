// The ingress process: the HTTP API and web UI.
import { buildIngressApp, createFirstAdmin, listen } from '../../internal/wiring/ingress.ts';
import { runProcess } from '../../internal/wiring/process-main.ts';

await runProcess({
  name: 'ingress',
  summary:
    'The HTTP API (/v1, reference at /docs) and the web UI: takes uploads into GridFS, publishes upload,\n' +
    'status and enhancement events on NATS JetStream, and answers reads from the read models.',
  variables: [
    'PORT',
    'HOST',
    'PIXELFORGE_API_KEYS',
    'PIXELFORGE_JWT_KEYS',
    'PIXELFORGE_PUBLIC_READS',
    'PIXELFORGE_ADMIN_EMAIL',
    'PIXELFORGE_MAX_UPLOAD_BYTES',
    'PIXELFORGE_MAX_PIXELS',
    'PIXELFORGE_MAX_CONCURRENT_UPLOADS',
    'PIXELFORGE_READ_WAIT_MS',
  ],
  async start(config, conn, logger) {
    const admin = await createFirstAdmin(config, conn, logger);
    // Once, on the empty database it was made in: the operator reads it from this log and changes nothing else.
    if (admin)
      logger.warn('made the first administrator: log in with this password once, then keep it safe', {
        email: admin.email,
        password: admin.password,
      });
    const server = await listen(buildIngressApp(config, conn, logger), config.PORT, config.HOST);
    logger.info('ingress listening', { url: server.url });
    return [server.close];
  },
});
