// Named errors with stable codes; the HTTP layer maps them to statuses in one place.

/** Stable error codes that clients may rely on (they appear as `code` in problem bodies). */
export const ErrorCode = {
  Validation: 'validation_failed',
  NotFound: 'not_found',
  Conflict: 'conflict',
  Unauthorized: 'unauthorized',
  Forbidden: 'forbidden',
  PayloadTooLarge: 'payload_too_large',
  TooManyRequests: 'too_many_requests',
  TooManyPixels: 'too_many_pixels',
  UnsupportedMediaType: 'unsupported_media_type',
  CorruptImage: 'corrupt_image',
  Unavailable: 'unavailable',
  Timeout: 'timeout',
  Cancelled: 'cancelled',
  Internal: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base class of every error Pixelforge raises on purpose. */
export class PixelforgeError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

export class ValidationError extends PixelforgeError {
  constructor(message: string, details?: unknown) {
    super(ErrorCode.Validation, message, details);
  }
}

export class NotFoundError extends PixelforgeError {
  constructor(what: string, id: string) {
    super(ErrorCode.NotFound, `${what} ${id} was not found`, { [what]: id });
  }
}

export class ConflictError extends PixelforgeError {
  constructor(message: string, details?: unknown) {
    super(ErrorCode.Conflict, message, details);
  }
}

export class UnauthorizedError extends PixelforgeError {
  constructor(message = 'a valid X-API-Key header (or a bearer access token) is required') {
    super(ErrorCode.Unauthorized, message);
  }
}

/** The caller is known but may not do this (another user's data stays a NotFoundError: ids are not probed). */
export class ForbiddenError extends PixelforgeError {
  constructor(message: string) {
    super(ErrorCode.Forbidden, message);
  }
}

export class PayloadTooLargeError extends PixelforgeError {
  constructor(limitBytes: number) {
    super(ErrorCode.PayloadTooLarge, `the upload is larger than the limit of ${limitBytes} bytes`, {
      limitBytes,
    });
  }
}

export class TooManyPixelsError extends PixelforgeError {
  constructor(width: number, height: number, limitPixels: number) {
    super(
      ErrorCode.TooManyPixels,
      `the image is ${width}×${height} (${width * height} pixels), more than the limit of ${limitPixels} pixels`,
      { width, height, limitPixels },
    );
  }
}

export class UnsupportedMediaTypeError extends PixelforgeError {
  constructor(message: string, details?: unknown) {
    super(ErrorCode.UnsupportedMediaType, message, details);
  }
}

export class CorruptImageError extends PixelforgeError {
  constructor(message: string, details?: unknown) {
    super(ErrorCode.CorruptImage, message, details);
  }
}

/** A dependency (NATS, MongoDB, a worker) is not reachable; the operation may succeed later. */
export class UnavailableError extends PixelforgeError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCode.Unavailable, message, undefined, options);
  }
}

export class CancelledError extends PixelforgeError {
  constructor(message = 'the operation was cancelled') {
    super(ErrorCode.Cancelled, message);
  }
}

/** Too many attempts: try again after `retryAfterSeconds` (the HTTP layer sends it as Retry-After). */
export class TooManyRequestsError extends PixelforgeError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super(ErrorCode.TooManyRequests, message, { retryAfterSeconds });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
