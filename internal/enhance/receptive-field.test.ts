import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fakeBoxModel } from './fake-box-model.ts';
import { measureReceptiveField } from './receptive-field.ts';
import type { RunModel } from './receptive-field.ts';

const format = { layout: 'NCHW', range: [0, 255] } as const;

describe('measureReceptiveField', () => {
  for (const [radius, scale] of [
    [0, 2],
    [1, 4],
    [5, 2],
    [20, 1],
  ] as const) {
    it(`finds radius ${radius} of a ×${scale} box model`, async () => {
      const field = await measureReceptiveField({
        run: fakeBoxModel({ radius, scale }),
        scale,
        input: format,
        output: format,
      });
      assert.deepEqual(field, { radius, exact: true });
    });
  }

  it('reports a field wider than the cap as inexact', async () => {
    const globalMean: RunModel = async (tensor) => {
      const mean = tensor.reduce((a, b) => a + b, 0) / tensor.length;
      return new Float32Array(tensor.length).fill(mean);
    };
    const field = await measureReceptiveField({
      run: globalMean,
      scale: 1,
      input: format,
      output: format,
      maxRadius: 32,
    });
    assert.deepEqual(field, { radius: 32, exact: false });
  });
});
