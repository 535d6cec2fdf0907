// CPU time of this process's children (the servers and processes a benchmark started), from /proc: shows
// which process a request's cost lands in.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux architecture Node runs on

/** CPU seconds (user + system) of each live child, keyed by a short name: `java`, `nats-server`, `main.ts`… */
export type CpuSnapshot = Map<string, number>;

/** Reads the CPU time of every direct child of this process. */
export async function childCpu(): Promise<CpuSnapshot> {
  const snapshot: CpuSnapshot = new Map();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // Fields after the parenthesised command name: state ppid … utime(14) stime(15).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) !== process.pid) continue;
    const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    const name = nameOf(argv);
    const seconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    snapshot.set(name, (snapshot.get(name) ?? 0) + seconds);
  }
  return snapshot;
}

/** CPU seconds each child used between two snapshots (children gone by `after` are left out). */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): Map<string, number> {
  return new Map([...after].map(([name, s]) => [name, s - (before.get(name) ?? 0)]));
}

function nameOf(argv: string[]): string {
  const program = path.basename(argv[0] ?? '?');
  if (program === 'java') return 'Mongo-wire (java)';
  if (program !== 'node') return program;
  // node --import tsx <script>: name it by the script, e.g. cmd/ingress/main.ts → ingress.
  const script = argv.find((a) => a.endsWith('.ts')) ?? '?';
  const base = path.basename(script, '.ts');
  return base === 'main' ? path.basename(path.dirname(script)) : base;
}
