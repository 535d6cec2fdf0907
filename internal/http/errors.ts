// The one place errors become HTTP responses: JSON problem bodies `{ code, message, details? }`.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ErrorCode, PixelforgeError, TooManyRequestsError } from '../errors/errors.ts';
import type { Logger } from '../telemetry/logger.ts';

const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  too_many_requests: 429,
  unsupported_media_type: 415,
  too_many_pixels: 422,
  corrupt_image: 422,
  cancelled: 409,
  unavailable: 503,
  timeout: 503,
  internal: 500,
};

export interface Problem {
  code: string;
  message: string;
  details?: unknown;
}

/** The HTTP status of a Pixelforge error code. */
export function statusOf(code: ErrorCode): ContentfulStatusCode {
  return STATUS[code];
}

/** Creates the app's error handler: known errors keep their code, anything else is a logged 500. */
export function createErrorHandler(logger: Logger) {
  return function handleError(err: Error, c: Context): Response {
    if (err instanceof PixelforgeError) {
      const body: Problem = {
        code: err.code,
        message: err.message,
        ...(err.details ? { details: err.details } : {}),
      };
      if (err.code === ErrorCode.Unavailable) c.header('Retry-After', '1');
      if (err instanceof TooManyRequestsError) c.header('Retry-After', String(err.retryAfterSeconds));
      return c.json(body, statusOf(err.code));
    }
    if (err instanceof HTTPException) {
      const status = err.status as ContentfulStatusCode;
      const code =
        status === 413
          ? ErrorCode.PayloadTooLarge
          : status === 401
            ? ErrorCode.Unauthorized
            : ErrorCode.Validation;
      return c.json({ code, message: plainMessage(err.message) || 'bad request' } satisfies Problem, status);
    }
    logger.error('unhandled error', { err, path: c.req.path, stack: err.stack });
    return c.json({ code: ErrorCode.Internal, message: 'internal error' } satisfies Problem, 500);
  };
}

/** Hono's own 400s, said the way the rest of the API says things. */
function plainMessage(message: string): string {
  if (/^Malformed JSON/i.test(message)) return 'the body is not valid JSON';
  if (/^Invalid HTTP header: Content-Type/i.test(message))
    return 'send the body as JSON, with Content-Type: application/json';
  return message;
}
