// How a long-running Pixelforge process starts: `--help` with the variables it reads and their defaults, and
// one clear line instead of a stack trace when its configuration is invalid (exit 2) or a server it needs is
// unreachable (exit 1, so the orchestrator restarts it).
import { ConfigError, ConfigSchema, loadConfig, type Config } from '../config/config.ts';
import { PixelforgeError } from '../errors/errors.ts';
import { createLogger, type Logger } from '../telemetry/logger.ts';
import { startTracing } from '../telemetry/tracing.ts';
import { openConnections, type Connections } from './connections.ts';
import { onShutdown } from './shutdown.ts';

/** One process: what it is, what it reads, how it starts. */
export interface ProcessDefinition {
  /** `ingress`, `projector`, `controller`: the folder under cmd/ and the `process` log field. */
  name: string;
  /** One paragraph for `--help`. */
  summary: string;
  /** The configuration variables it reads beyond {@link COMMON_VARIABLES}, listed by `--help` with defaults. */
  variables: readonly (keyof Config)[];
  /**
   * Starts the process over open connections (tracing is running too); resolves with the steps that stop
   * it, in order, on SIGTERM or SIGINT. The connections and tracing are closed after those steps.
   */
  start(config: Config, conn: Connections, logger: Logger): Promise<(() => Promise<unknown>)[]>;
}

/** What every process reads: runProcess opens the connections and starts tracing and logging itself. */
export const COMMON_VARIABLES = [
  'NATS_URL',
  'MONGO_URL',
  'MONGO_DB',
  'PIXELFORGE_TRACES',
  'LOG_LEVEL',
] as const;

/** `--help` text of a process. */
export function processHelp(definition: ProcessDefinition): string {
  const defaults = ConfigSchema.parse({}) as Record<string, unknown>;
  const variables = [...COMMON_VARIABLES, ...definition.variables];
  const width = Math.max(...variables.map((v) => v.length));
  const lines = variables.map((variable) => {
    const value = defaults[variable];
    const shown =
      value === undefined || value === ''
        ? '(unset)'
        : typeof value === 'object'
          ? JSON.stringify(value) // the variables that hold JSON take it in this form
          : String(value);
    return `  ${variable.padEnd(width)}  ${shown}`;
  });
  return [
    `Usage: node cmd/${definition.name}/main.ts`,
    '',
    definition.summary,
    '',
    'Configuration, from the environment (default shown):',
    ...lines,
    '',
    'README.md ("Configuration") describes every variable. SIGTERM or SIGINT stops the process gracefully.',
    '',
  ].join('\n');
}

/** Runs `definition` as this process: handles `--help`, start-up failures and graceful shutdown. */
export async function runProcess(definition: ProcessDefinition, argv = process.argv.slice(2)): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(processHelp(definition));
    return;
  }
  if (argv.length > 0) {
    process.stderr.write(`${definition.name}: unexpected arguments ${argv.join(' ')} (see --help)\n`);
    process.exit(2);
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${definition.name}: ${err.message}\n`);
    process.exit(2);
  }
  const logger = createLogger({ level: config.LOG_LEVEL, fields: { process: definition.name } });
  // Listen for signals before starting: a SIGTERM during start-up runs whichever stop steps exist by then.
  const steps: (() => Promise<unknown>)[] = [];
  onShutdown(logger, steps);
  try {
    const stopTracing = await startTracing(`pixelforge-${definition.name}`, config.PIXELFORGE_TRACES);
    const conn = await openConnections(config, definition.name);
    steps.push(...(await definition.start(config, conn, logger)), conn.close, stopTracing);
  } catch (err) {
    // Expected failures (a server down, a bad setting found late) are one line; anything else keeps its stack.
    if (err instanceof PixelforgeError) logger.error(`cannot start: ${err.message}`, { code: err.code });
    else logger.error('cannot start', { err });
    process.exit(1);
  }
}
