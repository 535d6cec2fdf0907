// `cmd/worker`: runs one EnhancementJob from the environment (`run`), or the derivatives consumer (`derivatives`).
import { loadConfig } from '../../internal/config/config.ts';
import { WorkerExit } from '../../internal/jobs/worker-contract.ts';
import { createLogger } from '../../internal/telemetry/logger.ts';
import { openConnections } from '../../internal/wiring/connections.ts';
import { startDerivatives } from '../../internal/wiring/derivatives.ts';
import { runWorkerJob } from '../../internal/wiring/worker.ts';

const HELP = `Usage: node cmd/worker/main.ts <run | derivatives>

  run          Run one enhancement job and exit. The job comes from the environment:
                 PIXELFORGE_JOB_ID       the job's name
                 PIXELFORGE_JOB_SPEC     the EnhancementJob spec as JSON
                 PIXELFORGE_JOB_ATTEMPT  1, 2, … (default 1)
               plus NATS_URL, MONGO_URL, MONGO_DB and PIXELFORGE_MODELS_DIR / _THREADS / _PROVIDER /
               _MEMORY_BUDGET_BYTES. SIGTERM (or SIGINT) stops it at once, mid-tile too: it publishes
               pf.job.cancelled and then ends by that signal (exit status 143, or 130), like any Unix
               tool, without waiting for the tile in flight.
               Exit codes: 0 succeeded, 1 retryable (NATS/MongoDB unavailable, unexpected error),
               42 permanent (bad input, unknown model or scale, too many pixels), 43 cancelled
               before it started (spec.cancel).
  derivatives  Make the WebP derivative of every upload until SIGTERM (PIXELFORGE_WEBP_DERIVATIVE).
`;

async function main(argv: string[]): Promise<number> {
  const [mode] = argv;
  if (mode === '--help' || mode === '-h' || mode === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (mode === 'run') {
    const stop = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      stoppedBy ??= signal;
      stop.abort(new Error(`stopped by ${signal}`));
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    return runWorkerJob(process.env, stop.signal);
  }
  if (mode === 'derivatives') {
    const config = loadConfig();
    const logger = createLogger({ level: config.LOG_LEVEL, fields: { process: 'derivatives' } });
    let conn;
    try {
      conn = await openConnections(config, 'derivatives');
    } catch (err) {
      logger.error('cannot reach NATS or MongoDB', { err });
      return WorkerExit.Retryable;
    }
    const running = await startDerivatives(config, conn, logger);
    logger.info('derivatives running');
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    await running.stop();
    await conn.close();
    return 0;
  }
  process.stderr.write(`worker: unknown mode ${JSON.stringify(mode ?? '')}\n\n${HELP}`);
  return 2;
}

/** The signal that stopped the job, re-raised at the end. */
let stoppedBy: NodeJS.Signals | undefined;

// Exit explicitly: a one-job process must not linger on a handle some library left open. A stopped job ends
// by its signal (the handler is gone, so the default action applies): process.exit would wait for a tile the
// inference thread cannot abandon, and the parent learns the truth, as from any Unix tool stopped so.
main(process.argv.slice(2)).then(
  (code) => {
    if (!stoppedBy) process.exit(code);
    process.kill(process.pid, stoppedBy);
    // Where the signal is ignored (a parent may have set SIGINT so), the exit code still says what happened.
    setTimeout(() => process.exit(code), 2000);
  },
  (err: Error) => {
    process.stderr.write(`worker: ${err.stack ?? err.message}\n`);
    process.exit(WorkerExit.Retryable);
  },
);
