import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../errors/errors.ts';
import { UnknownModelError, UnknownScaleError } from './enhance-errors.ts';
import { modelForName, resolveVariant, summarise } from './model-catalogue.ts';
import { ModelManifest } from './model-manifest.ts';

const sha = 'a'.repeat(64);
const manifest = (name: string, scales: number[]) =>
  ModelManifest.parse({
    name,
    variants: scales.map((scale) => ({ scale, file: `x${scale}.onnx`, sha256: sha })),
    inputRange: [0, 255],
    outputRange: [0, 255],
    layout: 'NCHW',
    channels: 3,
    source: { package: 'test', version: '0' },
    licence: 'MIT',
  });
const installed = [manifest('esrgan-slim', [4, 2, 8]), manifest('nearest', [2])];

describe('resolveVariant', () => {
  it('uses the first listed variant when no scale is asked for', () => {
    assert.equal(resolveVariant(installed, 'esrgan-slim').variant.scale, 4);
  });

  it('finds the requested scale', () => {
    assert.equal(resolveVariant(installed, 'esrgan-slim', 8).variant.file, 'x8.onnx');
  });

  it('names the installed models for an unknown model', () => {
    assert.throws(
      () => resolveVariant(installed, 'real-esrgan'),
      (err: unknown) =>
        err instanceof UnknownModelError &&
        err.code === ErrorCode.Validation &&
        err.message.includes('esrgan-slim, nearest'),
    );
  });

  it('names the available scales for a scale the model lacks', () => {
    assert.throws(
      () => resolveVariant(installed, 'esrgan-slim', 3),
      (err: unknown) => err instanceof UnknownScaleError && /×4, ×2, ×8/.test(err.message),
    );
  });
});

describe('summarise', () => {
  it('lists models by name with their scales and default', () => {
    const list = summarise([...installed].reverse());
    assert.deepEqual(
      list.map((m) => [m.name, m.scales, m.defaultScale]),
      [
        ['esrgan-slim', [4, 2, 8], 4],
        ['nearest', [2], 2],
      ],
    );
  });
});

test('aliases name the models chosen by measurement, per provider; other names pass through', () => {
  assert.equal(modelForName('auto', 'cpu'), 'realesr-general-x4v3');
  assert.equal(modelForName('auto', 'cuda'), 'realesrgan-x4plus');
  assert.equal(modelForName('anime', 'cuda'), 'realesrgan-x4plus-anime');
  assert.equal(modelForName('anime', 'cpu'), 'realesr-general-x4v3');
  assert.equal(modelForName('video', 'cpu'), 'realesr-animevideov3');
  assert.equal(modelForName('esrgan-slim', 'cuda'), 'esrgan-slim');
});
