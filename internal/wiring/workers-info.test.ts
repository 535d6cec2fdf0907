import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../config/config.ts';
import { workersInfo } from './workers-info.ts';

test('workersInfo: what the configuration schedules workers on', () => {
  assert.deepEqual(workersInfo(loadConfig({})), { runtime: 'local', providers: ['cpu'], gpusPerWorker: 0 });
  assert.deepEqual(workersInfo(loadConfig({ PIXELFORGE_PROVIDER: 'webgpu' })).providers, ['webgpu']);
  const cluster = { PIXELFORGE_RUNTIME: 'kubernetes' };
  assert.deepEqual(workersInfo(loadConfig(cluster)), {
    runtime: 'kubernetes',
    providers: ['webgpu'],
    gpusPerWorker: 1,
  });
  assert.deepEqual(
    workersInfo(loadConfig({ ...cluster, PIXELFORGE_WORKER_GPU_PROVIDER: 'cuda' })).providers,
    ['cuda'],
  );
  assert.deepEqual(workersInfo(loadConfig({ ...cluster, PIXELFORGE_WORKER_GPUS: '0' })), {
    runtime: 'kubernetes',
    providers: ['cpu'],
    gpusPerWorker: 0,
  });
});
