// Turns whatever stopped a job into the worker's exit code and a `pf.job.failed` body a user can act on.
import { CancelledError, ErrorCode, PixelforgeError } from '../errors/errors.ts';
import { OutputTooLargeError, UnknownModelError, UnknownScaleError } from '../enhance/enhance-errors.ts';
import { WorkerExit } from '../jobs/worker-contract.ts';

/** The `code` of `pf.job.failed`: finer than ErrorCode, so a client can tell "wrong model" from "bad image". */
export const JobFailureCode = {
  UnknownModel: 'unknown_model',
  UnknownScale: 'unknown_scale',
  OutputTooLarge: 'output_too_large',
  CorruptImage: 'corrupt_image',
  TooManyPixels: 'too_many_pixels',
  SourceNotFound: 'source_not_found',
  UnsupportedSource: 'unsupported_source',
  InvalidRequest: 'invalid_request',
  Unavailable: 'unavailable',
  Internal: 'internal',
} as const;
export type JobFailureCode = (typeof JobFailureCode)[keyof typeof JobFailureCode];

/** The job asks for something this worker cannot do yet (a video or URL source). */
export class UnsupportedSourceError extends PixelforgeError {
  constructor(kind: string) {
    super(
      ErrorCode.Validation,
      `source.${kind} is not supported yet; upload the image and use source.imageId`,
      { kind },
    );
  }
}

/** The source image or video does not exist: never uploaded, or deleted since the job was created. */
export class SourceNotFoundError extends PixelforgeError {
  constructor(id: string, kind: 'image' | 'video' = 'image') {
    super(
      ErrorCode.NotFound,
      `${kind} ${id} does not exist (never uploaded, or deleted); check source.${kind}Id`,
      { [`${kind}Id`]: id },
    );
  }
}

/** How a job ended when it did not succeed. */
export type JobOutcome =
  | { kind: 'cancelled'; exit: typeof WorkerExit.Cancelled; reason: string }
  | {
      kind: 'failed';
      exit: typeof WorkerExit.Permanent | typeof WorkerExit.Retryable;
      code: JobFailureCode;
      reason: string;
      retryable: boolean;
    };

const permanent = (code: JobFailureCode, reason: string): JobOutcome => ({
  kind: 'failed',
  exit: WorkerExit.Permanent,
  code,
  reason,
  retryable: false,
});

const retryable = (code: JobFailureCode, reason: string): JobOutcome => ({
  kind: 'failed',
  exit: WorkerExit.Retryable,
  code,
  reason,
  retryable: true,
});

/**
 * Classifies `err`. Anything about the job itself (model, scale, image, source) is permanent, so a bad job
 * never crash-loops; anything else (servers, model files, unexpected errors) may work on another attempt.
 */
export function classifyJobError(err: unknown): JobOutcome {
  if (err instanceof CancelledError) {
    return { kind: 'cancelled', exit: WorkerExit.Cancelled, reason: err.message };
  }
  if (err instanceof UnknownModelError) {
    const { model, available } = err.details as { model: string; available: string[] };
    return permanent(
      JobFailureCode.UnknownModel,
      `model ${model} is not installed; installed: ${available.length ? available.join(', ') : '(none)'}`,
    );
  }
  if (err instanceof UnknownScaleError) {
    const { model, scale, available } = err.details as { model: string; scale: number; available: number[] };
    return permanent(
      JobFailureCode.UnknownScale,
      `model ${model} has no ×${scale} variant; choose scale ${available.join(', ')} (use outscale for other sizes)`,
    );
  }
  if (err instanceof OutputTooLargeError) return permanent(JobFailureCode.OutputTooLarge, err.message);
  if (err instanceof UnsupportedSourceError) return permanent(JobFailureCode.UnsupportedSource, err.message);
  if (err instanceof SourceNotFoundError) return permanent(JobFailureCode.SourceNotFound, err.message);
  if (err instanceof PixelforgeError) {
    switch (err.code) {
      case ErrorCode.CorruptImage:
      case ErrorCode.UnsupportedMediaType:
        return permanent(JobFailureCode.CorruptImage, `${err.message}; upload a valid image`);
      case ErrorCode.TooManyPixels:
        return permanent(JobFailureCode.TooManyPixels, `${err.message}; use a smaller source image`);
      case ErrorCode.Validation:
        return permanent(JobFailureCode.InvalidRequest, err.message);
      case ErrorCode.Unavailable:
        return retryable(JobFailureCode.Unavailable, err.message);
      default:
        return retryable(JobFailureCode.Internal, err.message);
    }
  }
  const message = err instanceof Error ? err.message : String(err);
  return retryable(JobFailureCode.Internal, message || 'unexpected error');
}
