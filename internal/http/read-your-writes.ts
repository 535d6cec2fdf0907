// Honours `?after=<seq>` on reads: waits (bounded) until the projector has applied that sequence.
import type { MiddlewareHandler } from 'hono';
import { ErrorCode, PixelforgeError, ValidationError } from '../errors/errors.ts';
import type { ProjectionProgress } from '../images/views.ts';

export interface ReadYourWritesOptions {
  progress: ProjectionProgress;
  /** Longest wait, in ms. */
  waitMs: number;
}

export function readYourWrites({ progress, waitMs }: ReadYourWritesOptions): MiddlewareHandler {
  return async function waitForProjection(c, next) {
    const after = c.req.query('after');
    if (after !== undefined && c.req.method === 'GET') {
      const seq = Number(after);
      if (!Number.isSafeInteger(seq) || seq < 0)
        throw new ValidationError('after must be a stream sequence number');
      if (!(await progress.waitFor(seq, waitMs))) {
        c.header('Retry-After', '1');
        throw new PixelforgeError(
          ErrorCode.Timeout,
          `the read models have not reached sequence ${seq} yet; retry`,
        );
      }
    }
    return next();
  };
}
