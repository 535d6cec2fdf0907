// The NCNN reader on hand-made files: parameters (arrays included), fp16 and fp32 weights, and clear errors for
// files that are not NCNN, are cut short or have bytes left over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arrayParam, halfToFloat, intParam, parseNcnnParam, readNcnnWeights } from './ncnn-model.ts';

const PARAM = `7767517
3 3
Input            input            0 1 data
Convolution      conv             1 1 data c 0=2 1=1 5=1 6=6 9=2 -23310=1,2.000000e-01
PReLU            prelu            1 1 c out 0=2
`;

function bin(): Buffer {
  const tag = Buffer.alloc(4);
  tag.writeUInt32LE(0x01306b47);
  const weights = Buffer.alloc(12 + 2 * 2 * 0); // 6 halves, 4-byte aligned
  [0x3c00, 0xbc00, 0x3800, 0x0001, 0x7bff, 0x0000].forEach((h, i) => weights.writeUInt16LE(h, i * 2));
  const floats = Buffer.alloc(16);
  [0.5, -1.5, 0.25, 0.125].forEach((f, i) => floats.writeFloatLE(f, i * 4));
  return Buffer.concat([tag, weights, floats]);
}

test('ncnn reader: layers, parameters and weights in file order', () => {
  const layers = parseNcnnParam(PARAM);
  assert.deepEqual(
    layers.map((l) => [l.type, l.name, l.inputs, l.outputs]),
    [
      ['Input', 'input', [], ['data']],
      ['Convolution', 'conv', ['data'], ['c']],
      ['PReLU', 'prelu', ['c'], ['out']],
    ],
  );
  const conv = layers[1]!;
  assert.equal(intParam(conv, 0, 0), 2);
  assert.equal(intParam(conv, 3, 1), 1, 'absent parameters take their default');
  assert.deepEqual(arrayParam(conv, 10), [0.2]);
  const model = readNcnnWeights(layers, bin());
  assert.deepEqual([...model.layers[1]!.weights[0]!], [1, -1, 0.5, 2 ** -24, 65504, 0]);
  assert.deepEqual([...model.layers[1]!.weights[1]!], [0.5, -1.5]);
  assert.deepEqual([...model.layers[2]!.weights[0]!], [0.25, 0.125]);
  assert.equal(model.parameters, 10);
});

test('ncnn reader: half floats convert exactly, specials included', () => {
  assert.equal(halfToFloat(0x3555), 0.333251953125);
  assert.equal(halfToFloat(0x8000), -0);
  assert.equal(halfToFloat(0x7c00), Infinity);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
});

test('ncnn reader: wrong magic, a wrong layer count, short or long weights are refused with the file named', () => {
  assert.throws(() => parseNcnnParam('123\n0 0\n', 'x.param'), /x\.param.*magic/);
  assert.throws(() => parseNcnnParam(PARAM.replace('3 3', '4 3'), 'x.param'), /header says 4 layers/);
  assert.throws(() => parseNcnnParam(`${PARAM}Convolution bad 1\n`, 'x.param'), /bad layer line/);
  const layers = parseNcnnParam(PARAM);
  assert.throws(() => readNcnnWeights(layers, bin().subarray(0, 20), 'x.bin'), /x\.bin.*ends before/);
  assert.throws(
    () => readNcnnWeights(layers, Buffer.concat([bin(), Buffer.alloc(4)]), 'x.bin'),
    /4 bytes left/,
  );
  const badTag = bin();
  badTag.writeUInt32LE(0xdeadbeef, 0);
  assert.throws(() => readNcnnWeights(layers, badTag, 'x.bin'), /tag 0xdeadbeef/);
});
