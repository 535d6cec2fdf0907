// Named errors of the enhancement engine, each carrying one of the stable codes from internal/errors.
import { ErrorCode, PixelforgeError } from '../errors/errors.ts';

/** The request names a model that no manifest in the models directory declares. */
export class UnknownModelError extends PixelforgeError {
  constructor(model: string, available: readonly string[]) {
    super(
      ErrorCode.Validation,
      `unknown model "${model}"; available models: ${available.length > 0 ? available.join(', ') : '(none installed)'}`,
      { model, available },
    );
  }
}

/** The model exists but has no variant with the requested native scale. */
export class UnknownScaleError extends PixelforgeError {
  constructor(model: string, scale: number, available: readonly number[]) {
    super(
      ErrorCode.Validation,
      `model "${model}" has no ×${scale} variant; available scales: ${available.map((s) => `×${s}`).join(', ')}`,
      { model, scale, available },
    );
  }
}

/** A manifest in the models directory is unreadable or does not match the ModelManifest schema. */
export class ModelManifestError extends PixelforgeError {
  constructor(path: string, reason: string, options?: ErrorOptions) {
    super(ErrorCode.Internal, `invalid model manifest ${path}: ${reason}`, { path }, options);
  }
}

/** A model file is missing or its bytes do not match the sha256 its manifest records. */
export class ModelIntegrityError extends PixelforgeError {
  constructor(path: string, reason: string, options?: ErrorOptions) {
    super(ErrorCode.Internal, `model file ${path} failed verification: ${reason}`, { path }, options);
  }
}

/** The configured execution provider (e.g. CUDA) cannot be loaded; the engine never falls back silently. */
export class ProviderUnavailableError extends PixelforgeError {
  constructor(provider: string, reason: string, options?: ErrorOptions) {
    super(
      ErrorCode.Unavailable,
      `execution provider "${provider}" is not available: ${reason}`,
      { provider },
      options,
    );
  }
}

/** The result would be wider or taller than the output format can store. */
export class OutputTooLargeError extends PixelforgeError {
  constructor(format: string, width: number, height: number, maxEdge: number) {
    super(
      ErrorCode.Validation,
      `a ${width}×${height} result does not fit in ${format}, which stores at most ${maxEdge} pixels per side; choose a smaller outscale or another format`,
      { format, width, height, maxEdge },
    );
  }
}
