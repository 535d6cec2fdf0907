// How this process's Node runs a TypeScript entry point, for the child processes it starts.

/**
 * Node options that let `process.execPath` run a `.ts` file: none where Node strips types itself (Node ≥ 22.18
 * and 24, which production and the tests run), else tsx's loader (Node 20: the CLI's client commands; the
 * processes need Node 24.7+, for node:crypto's argon2).
 */
export const TS_ENTRY_ARGS: readonly string[] = (process.features as { typescript?: string | false })
  .typescript
  ? []
  : ['--import', 'tsx'];

/** `[node, ...options, entry, ...args]` for a TypeScript entry point, run with this process's Node. */
export function tsEntryCommand(entry: string, ...args: string[]): string[] {
  return [process.execPath, ...TS_ENTRY_ARGS, entry, ...args];
}
