// amaro ships no types: the one function the web UI's asset loader uses.
declare module 'amaro' {
  export function transformSync(source: string, options: { mode: 'strip-only' }): { code: string };
}
