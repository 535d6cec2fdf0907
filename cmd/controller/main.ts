// The controller process: reconciles EnhancementJobs into worker Jobs (or local processes), leader-elected,
// with /healthz and /readyz for its probes.
import { controllerConfigFields } from '../../internal/config/controller-config.ts';
import { startController } from '../../internal/wiring/controller.ts';
import { startHealthServer } from '../../internal/wiring/health-server.ts';
import { runProcess } from '../../internal/wiring/process-main.ts';

await runProcess({
  name: 'controller',
  summary:
    'Reconciles EnhancementJobs (pixelforge.io/v1alpha1) into worker Jobs on GPU nodes, or into local worker\n' +
    'processes with PIXELFORGE_RUNTIME=local, and creates them from pf.enhancement.requested events.',
  variables: [...(Object.keys(controllerConfigFields) as (keyof typeof controllerConfigFields)[])],
  async start(config, conn, logger) {
    const controller = await startController(config, conn, logger);
    const health = await startHealthServer(config.PIXELFORGE_HEALTH_PORT, { nats: conn.readiness.nats });
    logger.info('controller running', {
      runtime: config.PIXELFORGE_RUNTIME,
      namespace: config.PIXELFORGE_NAMESPACE,
      health: health.port,
    });
    return [controller.stop, health.close];
  },
});
