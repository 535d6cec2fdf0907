// Reads an NCNN model: the `.param` text (one layer per line: type, name, input/output counts and names,
// `key=value` parameters) and the `.bin` weights that follow the layers in order (convolution weights behind
// a 4-byte tag, fp16 here; biases and PReLU slopes raw fp32). Only what the Real-ESRGAN models use is read.
import { readFile } from 'node:fs/promises';
import { ModelFormatError } from './convert-errors.ts';

const PARAM_MAGIC = 7767517;
const FP16_TAG = 0x01306b47;
const FP32_TAG = 0;

/** A parameter value: a number, or an array (keys ≤ -23300 in the file). */
export type NcnnParam = number | readonly number[];

export interface NcnnLayer {
  readonly type: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly params: ReadonlyMap<number, NcnnParam>;
  /** Weights in the order the layer stores them (Convolution: weight, bias; PReLU: slope). */
  readonly weights: readonly Float32Array[];
}

export interface NcnnModel {
  readonly layers: readonly NcnnLayer[];
  /** Trained values in the `.bin`. */
  readonly parameters: number;
}

/** An integer parameter with its NCNN default. */
export function intParam(layer: Pick<NcnnLayer, 'name' | 'params'>, key: number, fallback: number): number {
  const value = layer.params.get(key);
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new ModelFormatError(layer.name, `parameter ${key} is an array`);
  return value;
}

/** An array parameter (stored under key -23300 - k), or undefined. */
export function arrayParam(
  layer: Pick<NcnnLayer, 'name' | 'params'>,
  key: number,
): readonly number[] | undefined {
  const value = layer.params.get(-23300 - key);
  if (value !== undefined && typeof value === 'number')
    throw new ModelFormatError(layer.name, `parameter ${key} is not an array`);
  return value;
}

function parseParams(file: string, tokens: readonly string[]): Map<number, NcnnParam> {
  const params = new Map<number, NcnnParam>();
  for (const token of tokens) {
    const match = /^(-?\d+)=(.*)$/.exec(token);
    if (!match) throw new ModelFormatError(file, `bad parameter ${JSON.stringify(token)}`);
    const key = Number(match[1]);
    const values = match[2]!.split(',').map(Number);
    if (values.some((v) => Number.isNaN(v))) throw new ModelFormatError(file, `bad value in ${token}`);
    // Arrays are written as `-233xx=count,v1,v2,…`.
    params.set(key, key <= -23300 ? values.slice(1) : values[0]!);
  }
  return params;
}

/** The layers of a `.param` file, weights not yet read. */
export function parseNcnnParam(text: string, file = 'model.param'): Omit<NcnnLayer, 'weights'>[] {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (Number(lines[0]) !== PARAM_MAGIC) throw new ModelFormatError(file, 'not an NCNN param file (magic)');
  const [layerCount] = (lines[1] ?? '').split(/\s+/).map(Number);
  const layers = lines.slice(2).map((line) => {
    const tokens = line.split(/\s+/);
    const [type, name, bottoms, tops] = tokens;
    const inputs = Number(bottoms);
    const outputs = Number(tops);
    if (!type || !name || !Number.isInteger(inputs) || !Number.isInteger(outputs))
      throw new ModelFormatError(file, `bad layer line ${JSON.stringify(line.slice(0, 80))}`);
    return {
      type,
      name,
      inputs: tokens.slice(4, 4 + inputs),
      outputs: tokens.slice(4 + inputs, 4 + inputs + outputs),
      params: parseParams(file, tokens.slice(4 + inputs + outputs)),
    };
  });
  if (layers.length !== layerCount)
    throw new ModelFormatError(file, `the header says ${layerCount} layers, the file has ${layers.length}`);
  return layers;
}

/** Reads the weights of `layers` from `bin`, in layer order; every byte must be used. */
export function readNcnnWeights(
  layers: readonly Omit<NcnnLayer, 'weights'>[],
  bin: Buffer,
  file = 'model.bin',
): NcnnModel {
  let offset = 0;
  let parameters = 0;
  const raw = (count: number): Float32Array => {
    if (offset + count * 4 > bin.length) throw new ModelFormatError(file, 'ends before the weights do');
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = bin.readFloatLE(offset + i * 4);
    offset += count * 4;
    parameters += count;
    return out;
  };
  const tagged = (count: number): Float32Array => {
    const tag = bin.readUInt32LE(offset);
    offset += 4;
    if (tag === FP32_TAG) return raw(count);
    if (tag !== FP16_TAG)
      throw new ModelFormatError(file, `weight tag 0x${tag.toString(16)} is not fp16 or fp32`);
    if (offset + count * 2 > bin.length) throw new ModelFormatError(file, 'ends before the weights do');
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = halfToFloat(bin.readUInt16LE(offset + i * 2));
    offset += Math.ceil((count * 2) / 4) * 4;
    parameters += count;
    return out;
  };
  const withWeights = layers.map((layer): NcnnLayer => {
    const weights: Float32Array[] = [];
    if (layer.type === 'Convolution') {
      weights.push(tagged(intParam(layer, 6, 0)));
      if (intParam(layer, 5, 0)) weights.push(raw(intParam(layer, 0, 0)));
    } else if (layer.type === 'PReLU') {
      weights.push(raw(intParam(layer, 0, 0)));
    }
    return { ...layer, weights };
  });
  if (offset !== bin.length)
    throw new ModelFormatError(file, `${bin.length - offset} bytes left after the last layer`);
  return { layers: withWeights, parameters };
}

/** Reads `<base>.param` and `<base>.bin`. */
export async function readNcnnModel(paramPath: string, binPath: string): Promise<NcnnModel> {
  const [text, bin] = await Promise.all([readFile(paramPath, 'utf8'), readFile(binPath)]);
  return readNcnnWeights(parseNcnnParam(text, paramPath), bin, binPath);
}

/** IEEE 754 half → single precision, exact for every value including subnormals. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
