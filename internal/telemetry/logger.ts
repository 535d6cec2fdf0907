// A small structured logger: one JSON object per line on stderr, filtered by level.

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof LEVELS;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  /** Lowest level written (default `info`). */
  level?: LogLevel;
  /** Fields added to every line, e.g. `{ component: 'projector' }`. */
  fields?: Record<string, unknown>;
  /** Where lines go (default: process.stderr). */
  write?: (line: string) => void;
}

/** Creates a logger; errors in fields are serialised with their message and code. */
export function createLogger({
  level = 'info',
  fields = {},
  write = (line) => process.stderr.write(line),
}: LoggerOptions = {}): Logger {
  const min = LEVELS[level];
  const log = (lvl: LogLevel, msg: string, extra?: Record<string, unknown>) => {
    if (LEVELS[lvl] < min) return;
    const line = { time: new Date().toISOString(), level: lvl, msg, ...fields, ...serialise(extra) };
    write(JSON.stringify(line) + '\n');
  };
  return {
    debug: (msg, extra) => log('debug', msg, extra),
    info: (msg, extra) => log('info', msg, extra),
    warn: (msg, extra) => log('warn', msg, extra),
    error: (msg, extra) => log('error', msg, extra),
    child: (more) => createLogger({ level, fields: { ...fields, ...more }, write }),
  };
}

function serialise(fields?: Record<string, unknown>): Record<string, unknown> {
  if (!fields) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] =
      value instanceof Error
        ? { name: value.name, message: value.message, code: (value as { code?: unknown }).code }
        : value;
  }
  return out;
}

/** A logger that writes nothing, for tests that don't look at logs. */
export const silentLogger: Logger = createLogger({ write: () => {} });
