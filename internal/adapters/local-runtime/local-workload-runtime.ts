// WorkloadRuntime as local child processes (`pixelforge up` on a laptop): one `cmd/worker` process per
// attempt with the worker's environment contract, at most `maxProcesses` at once (the rest wait in order),
// SIGTERM then SIGKILL to stop one.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { workloadName } from '../../jobs/workload-name.ts';
import type { WorkloadRuntime, WorkloadStatus } from '../../ports/workload-runtime.ts';
import type { EnhancementJob } from '../../resources/enhancement-job.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { tsEntryCommand } from '../../wiring/typescript-entry.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Options of {@link createLocalWorkloadRuntime}. */
export interface LocalWorkloadRuntimeOptions {
  /** Processes at once; more wait (pending) in creation order. */
  maxProcesses: number;
  /** Environment every worker gets (NATS_URL, MONGO_URL…), on top of this process's own. */
  env: Record<string, string>;
  /** Default: `node cmd/worker/main.ts run` with this process's Node, run from the repository root. */
  command?: string[];
  cwd?: string;
  /** Time between SIGTERM and SIGKILL when stopping a worker (default 10 000 ms). */
  graceMs?: number;
  logger: Logger;
}

interface Workload {
  status: WorkloadStatus;
  jobName: string;
  env: Record<string, string>;
  child?: ChildProcess;
  stderrTail: string;
}

/** Creates the runtime; workloads live as long as this process (a restarted controller finds none). */
export function createLocalWorkloadRuntime(options: LocalWorkloadRuntimeOptions): WorkloadRuntime {
  const { maxProcesses, logger, graceMs = 10_000 } = options;
  const command = options.command ?? tsEntryCommand('cmd/worker/main.ts', 'run');
  const cwd = options.cwd ?? repoRoot;
  const workloads = new Map<string, Workload>();
  const waiting: Workload[] = [];
  let notify: (jobName: string) => void = () => {};
  const running = () => [...workloads.values()].filter((w) => w.child && w.status.state === 'running').length;

  const launch = (workload: Workload) => {
    const log = logger.child({ job: workload.jobName, workload: workload.status.name });
    const child = spawn(command[0]!, command.slice(1), {
      cwd,
      env: { ...process.env, ...options.env, ...workload.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    workload.child = child;
    workload.status = { ...workload.status, state: 'running', startedAt: new Date() };
    child.stdout?.on('data', (chunk: Buffer) =>
      log.debug('worker output', { text: chunk.toString().trimEnd() }),
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      // Kept for the failure message; the worker's own logs are JSON lines on stderr.
      workload.stderrTail = (workload.stderrTail + chunk.toString()).slice(-2000);
    });
    child.on('error', (err) => log.error('worker could not start', { err }));
    child.on('close', (code, signal) => {
      const exitCode = code ?? (signal ? 128 + (signal === 'SIGKILL' ? 9 : 15) : 1);
      workload.status = {
        ...workload.status,
        state: exitCode === 0 ? 'succeeded' : 'failed',
        exitCode,
        finishedAt: new Date(),
        reason: 'Exited',
        message: exitCode === 0 ? 'the worker exited with 0' : lastLines(workload.stderrTail, exitCode),
      };
      workload.child = undefined;
      log.info('worker exited', { exitCode, signal });
      notify(workload.jobName);
      startWaiting();
    });
    notify(workload.jobName);
  };

  const startWaiting = () => {
    while (waiting.length > 0 && running() < maxProcesses) {
      const next = waiting.shift()!;
      if (workloads.get(next.status.name) === next) launch(next);
    }
  };

  const terminate = (child: ChildProcess) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('close', () => (clearTimeout(timer), resolve()));
      child.kill('SIGTERM');
    });

  return {
    kind: 'local',
    async start(onChange) {
      notify = onChange;
    },
    async observe(job, attempt) {
      return workloads.get(workloadName(job.metadata.name, attempt))?.status ?? null;
    },
    async create(job: EnhancementJob, attempt) {
      const name = workloadName(job.metadata.name, attempt);
      const existing = workloads.get(name);
      if (existing) return existing.status;
      const workload: Workload = {
        jobName: job.metadata.name,
        status: { name, attempt, state: 'pending' },
        env: {
          PIXELFORGE_JOB_ID: job.metadata.name,
          PIXELFORGE_JOB_SPEC: JSON.stringify(job.spec),
          PIXELFORGE_JOB_ATTEMPT: String(attempt),
          PIXELFORGE_WORKLOAD_NAME: name,
        },
        stderrTail: '',
      };
      workloads.set(name, workload);
      waiting.push(workload);
      startWaiting();
      return workload.status;
    },
    async remove(jobName) {
      const mine = [...workloads.values()].filter((w) => w.jobName === jobName);
      for (const w of mine) workloads.delete(w.status.name);
      await Promise.all(mine.map((w) => (w.child ? terminate(w.child) : undefined)));
    },
    async stop() {
      // Children must not outlive the controller that tracks them: nobody else would ever reap them.
      const children = [...workloads.values()].flatMap((w) => (w.child ? [w.child] : []));
      waiting.length = 0;
      await Promise.all(children.map(terminate));
      workloads.clear();
    },
  };
}

function lastLines(text: string, exitCode: number): string {
  const tail = text.trimEnd().split('\n').slice(-3).join(' | ');
  return `the worker exited with ${exitCode}${tail ? `: ${tail}` : ''}`.slice(0, 1000);
}
