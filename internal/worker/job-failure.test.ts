// classifyJobError: job problems are permanent with a reason a user can act on; the rest may be retried.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CancelledError, CorruptImageError, TooManyPixelsError, UnavailableError } from '../errors/errors.ts';
import { ModelIntegrityError, UnknownModelError, UnknownScaleError } from '../enhance/enhance-errors.ts';
import { WorkerExit } from '../jobs/worker-contract.ts';
import { SourceNotFoundError, UnsupportedSourceError, classifyJobError } from './job-failure.ts';

const failed = (err: unknown) => {
  const outcome = classifyJobError(err);
  assert.equal(outcome.kind, 'failed');
  return outcome as Extract<typeof outcome, { kind: 'failed' }>;
};

test('an unknown model names the installed ones', () => {
  const outcome = failed(new UnknownModelError('esrgan-foo', ['esrgan-slim', 'esrgan-medium']));
  assert.equal(outcome.exit, WorkerExit.Permanent);
  assert.equal(outcome.retryable, false);
  assert.equal(outcome.code, 'unknown_model');
  assert.equal(outcome.reason, 'model esrgan-foo is not installed; installed: esrgan-slim, esrgan-medium');
});

test('input and request problems are permanent', () => {
  const cases: [unknown, string][] = [
    [new UnknownScaleError('esrgan-slim', 5, [4, 2]), 'unknown_scale'],
    [new CorruptImageError('the image could not be decoded: bad Huffman code'), 'corrupt_image'],
    [new TooManyPixelsError(10000, 10000, 40_000_000), 'too_many_pixels'],
    [new UnsupportedSourceError('url'), 'unsupported_source'],
    [new SourceNotFoundError('01ABC'), 'source_not_found'],
  ];
  for (const [err, code] of cases) {
    const outcome = failed(err);
    assert.equal(outcome.code, code);
    assert.equal(outcome.exit, WorkerExit.Permanent, code);
    assert.equal(outcome.retryable, false);
  }
  assert.match(failed(new UnsupportedSourceError('url')).reason, /not supported yet/);
});

test('unreachable servers, broken model files and surprises are retryable', () => {
  for (const err of [
    new UnavailableError('cannot reach MongoDB'),
    new ModelIntegrityError('models/x/x4.onnx', 'sha256 mismatch'),
    new TypeError('undefined is not a function'),
  ]) {
    const outcome = failed(err);
    assert.equal(outcome.exit, WorkerExit.Retryable, err.message);
    assert.equal(outcome.retryable, true);
  }
});

test('cancellation exits Cancelled', () => {
  const outcome = classifyJobError(new CancelledError('stopped by SIGTERM'));
  assert.equal(outcome.kind, 'cancelled');
  assert.equal(outcome.exit, WorkerExit.Cancelled);
});
