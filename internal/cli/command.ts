// The shape of a `pixelforge` subcommand and the help text every command prints for --help.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface Command {
  /** As typed: `upload`, `projections rebuild`. */
  name: string;
  summary: string;
  /** Usage lines and options, printed by --help. */
  help: string;
  /** Runs with the arguments after the command name; resolves with the exit code. */
  run(argv: string[]): Promise<number>;
}

/** A user mistake on the command line: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** parseArgs with `--help` handled and unknown options turned into a UsageError. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  command: Command,
  argv: string[],
  options: T,
) {
  try {
    const parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    if ((parsed.values as { help?: boolean }).help) {
      process.stdout.write(`${command.help.trim()}\n`);
      return null;
    }
    return parsed;
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${command.help.trim()}`);
  }
}

/** Parses a number flag; a UsageError names the flag and the accepted range. */
export function numberFlag(name: string, text: string | undefined, min: number, max: number, integer = true) {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new UsageError(
      `--${name} must be ${integer ? 'a whole number' : 'a number'}, got ${JSON.stringify(text)}`,
    );
  }
  if (value < min || value > max)
    throw new UsageError(`--${name} must be from ${min} to ${max}, got ${text}`);
  return value;
}
