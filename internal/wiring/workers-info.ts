// Where this installation's workers run and with which execution provider, from the configuration every
// process shares: the ingress reports it in GET /v1/info; the controller builds its workers from the same values.
import type { Config } from '../config/config.ts';
import type { WorkersInfo } from '../http/context.ts';

/** Where the workers this configuration schedules run, and with which execution provider. */
export function workersInfo(config: Config): WorkersInfo {
  if (config.PIXELFORGE_RUNTIME === 'kubernetes') {
    const gpus = config.PIXELFORGE_WORKER_GPUS;
    return {
      runtime: 'kubernetes',
      providers: [gpus > 0 ? config.PIXELFORGE_WORKER_GPU_PROVIDER : 'cpu'],
      gpusPerWorker: gpus,
    };
  }
  // Local worker processes inherit this environment, PIXELFORGE_PROVIDER included.
  return { runtime: 'local', providers: [config.PIXELFORGE_PROVIDER], gpusPerWorker: 0 };
}
