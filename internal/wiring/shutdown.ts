// Graceful shutdown on SIGTERM / SIGINT / SIGHUP: run the stop steps in order, once; a second signal exits at once.
import type { Logger } from '../telemetry/logger.ts';

/** Registers the handlers; `steps` run in order (stop taking work, drain, close connections). */
export function onShutdown(logger: Logger, steps: (() => Promise<unknown>)[]): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      logger.warn('second signal: exiting now', { signal });
      process.exit(130);
    }
    stopping = true;
    logger.info('shutting down', { signal });
    for (const step of steps) {
      await step().catch((err: Error) => logger.error('shutdown step failed', { err }));
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // A closed terminal: stop as for Ctrl-C, rather than die and leave servers of its own group behind.
  process.on('SIGHUP', () => void stop('SIGHUP'));
}
