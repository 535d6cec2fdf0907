import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, inferenceBudgetBytes, loadConfig } from './config.ts';

test('defaults apply when the environment is empty', () => {
  const config = loadConfig({});
  assert.equal(config.PORT, 8080);
  assert.equal(config.PIXELFORGE_MAX_UPLOAD_BYTES, 25 * 1024 * 1024);
  assert.equal(config.PIXELFORGE_MAX_PIXELS, 40_000_000);
  assert.equal(config.PIXELFORGE_WEBP_DERIVATIVE, true);
});

test('every bad variable is named with its value', () => {
  assert.throws(
    () => loadConfig({ PORT: 'eighty', MONGO_URL: 'postgres://x', PIXELFORGE_MAX_PIXELS: '-1' }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.problems.length, 3);
      assert.match(err.message, /PORT: must be a number \(got "eighty"\)/);
      assert.match(err.message, /MONGO_URL: must be a mongodb:\/\/ or mongodb\+srv:\/\/ URL/);
      assert.match(err.message, /PIXELFORGE_MAX_PIXELS: must be at least 1/);
      return true;
    },
  );
});

test('tiles come from host memory on the CPU and from device memory on a GPU provider', () => {
  const env = {
    PIXELFORGE_MEMORY_BUDGET_BYTES: String(256 * 2 ** 20),
    PIXELFORGE_GPU_MEMORY_BUDGET_BYTES: String(2 ** 33),
  };
  assert.equal(inferenceBudgetBytes(loadConfig(env)), 256 * 2 ** 20);
  assert.equal(inferenceBudgetBytes(loadConfig({ ...env, PIXELFORGE_PROVIDER: 'webgpu' })), 2 ** 33);
  assert.equal(inferenceBudgetBytes(loadConfig({ PIXELFORGE_PROVIDER: 'cuda' })), 4096 * 2 ** 20);
});

test('CORS origins: none by default, a list of origins, or * alone; anything else is named', () => {
  assert.deepEqual(loadConfig({}).PIXELFORGE_CORS_ORIGINS, []);
  assert.deepEqual(
    loadConfig({ PIXELFORGE_CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' })
      .PIXELFORGE_CORS_ORIGINS,
    ['https://app.example.com', 'http://localhost:5173'],
  );
  assert.deepEqual(loadConfig({ PIXELFORGE_CORS_ORIGINS: '*' }).PIXELFORGE_CORS_ORIGINS, ['*']);
  for (const bad of ['https://app.example.com/', 'app.example.com', 'ftp://x.example', '*,https://a.example'])
    assert.throws(
      () => loadConfig({ PIXELFORGE_CORS_ORIGINS: bad }),
      /PIXELFORGE_CORS_ORIGINS: .* is not an origin \(scheme:\/\/host\[:port\], no path\), nor \* alone/,
      bad,
    );
});
