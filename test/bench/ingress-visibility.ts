// Upload → visible latency: uploads at a steady open-loop rate, each followed by a read-your-writes
// `GET /v1/groups?after=<seq>` until it returns the upload, while the projector's position is sampled.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeJpeg, jpeg200k } from './ingress-images.ts';
import { startIngressStack, type ProjectorPosition } from './ingress-stack.ts';
import type { VisibilityResult } from './load-generator.ts';
import { runLoad } from './load-run.ts';
import { ms, percentile, table } from './load-stats.ts';

/** One run: an upload rate and how visibility is checked. */
export interface VisibilityRun {
  rate: number;
  /** `groups`: GET /v1/groups?after=<seq> (the target's); `image`: GET /v1/images/<id>?after=<seq> (control). */
  read: 'groups' | 'image';
}

/** Options of {@link benchIngressVisibility}. */
export interface IngressVisibilityOptions {
  /**
   * Runs, one fresh stack each. Default: 200/s (the target's), 50/s (about a third of the upload capacity
   * measured here), and 50/s checked with point reads, which separates the projector from the groups query.
   */
  runs?: VisibilityRun[];
  /** Length of each run (default 10 000 ms). */
  durationMs?: number;
}

const POLL_MS = 50;
const GROUP_SIZE = 20;
const READ_LIMIT = 5;

interface Run extends VisibilityRun {
  result: VisibilityResult;
  /** Per upload: 201 → first projector sample at or past its sequence (ms). */
  projectorLagMs: number[];
  maxBacklog: number;
  /** Events the projector applied per second over the run. */
  projectorRate: number;
  backend: string;
  /** p50 of a few GET /v1/groups after the run, once the projector is idle; and the images stored by then. */
  idleGroupsMs: number;
  images: number;
}

/** Runs each rate and returns the table: achieved rate, visible p50/p99, and the projector's lag. */
export async function benchIngressVisibility({
  runs: plan = [
    { rate: 200, read: 'groups' },
    { rate: 50, read: 'groups' },
    { rate: 50, read: 'image' },
  ],
  durationMs = 10_000,
}: IngressVisibilityOptions = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pf-bench-visibility-'));
  try {
    const jpeg = await jpeg200k();
    const file = path.join(dir, 'photo.jpg');
    await writeFile(file, jpeg);
    const runs: Run[] = [];
    for (const run of plan) runs.push(await runAt(run, durationMs, file));
    const p = (values: number[], at: number) => ms(percentile(values, at));
    const rows = runs.map(({ rate, read, result, projectorLagMs, maxBacklog, projectorRate }) => {
      const visible = result.samples.map((s) => s.visibleMs);
      const upload = result.samples.map((s) => s.uploadMs);
      const failed = Object.values(result.failures).reduce((a, b) => a + b, 0);
      return [
        `${rate}/s`,
        read === 'groups' ? `groups?limit=${READ_LIMIT}` : 'images/:id',
        (result.samples.length / (result.elapsedMs / 1000)).toFixed(1),
        `${result.samples.length}/${result.scheduled}`,
        String(failed + result.dropped),
        p(upload, 50),
        p(upload, 99),
        p(visible, 50),
        p(visible, 99),
        p(projectorLagMs, 50),
        p(projectorLagMs, 99),
        String(maxBacklog),
        projectorRate.toFixed(0),
      ];
    });
    const name = (r: Run) => `${r.rate}/s ${r.read}`;
    const missed = runs.filter(
      (r) =>
        r.read === 'groups' &&
        !(
          percentile(
            r.result.samples.map((s) => s.visibleMs),
            99,
          ) < 100
        ),
    );
    const failures = runs.flatMap((r) => {
      const reasons = Object.entries({
        ...r.result.failures,
        ...(r.result.dropped ? { 'dropped (400 in flight)': r.result.dropped } : {}),
      });
      if (reasons.length === 0) return [];
      const list = reasons.map(([why, n]) => `${n}× ${why}`).join(', ');
      return [`  ${name(r)} failed: ${list}; first: ${r.result.firstFailure ?? '–'}`];
    });
    const multiPage = runs
      .filter((r) => r.read === 'groups')
      .map((r) => `${name(r)} ${r.result.samples.filter((s) => s.pages > 1).length}`)
      .join(', ');
    return [
      `ingress visibility: ${await describeJpeg(jpeg)} uploads, open loop for ${durationMs / 1000} s per rate (fresh stack each,`,
      `  Mongo-wire ${runs[0]?.backend} backend), each followed by a read-your-writes read until it shows the upload:`,
      `  GET /v1/groups?after=<seq>&limit=${READ_LIMIT} (next pages if needed; ${GROUP_SIZE} uploads per group in turn) or, as a control,`,
      `  GET /v1/images/<id>?after=<seq>. Latencies count from the scheduled send time.`,
      table([
        [
          'target',
          'read',
          'uploads/s',
          'visible',
          'failed',
          'upload p50',
          'p99',
          'visible p50',
          'p99',
          'projector lag p50',
          'p99',
          'max backlog',
          'events/s',
        ],
        ...rows,
      ]),
      `  projector lag: 201 → the read-model consumer's ack floor reached the upload's sequence (sampled every ${POLL_MS} ms);`,
      `  backlog in events; uploads found only on a later page: ${multiPage}`,
      `  one GET /v1/groups?limit=${READ_LIMIT} on the idle stack after each run: ${runs
        .map((r) => `${name(r)} ${ms(r.idleGroupsMs)} ms (${r.images} images)`)
        .join(', ')}`,
      `  target p99 < 100 ms (GET /v1/groups): ${missed.length === 0 ? 'met' : `missed at ${missed.map(name).join(', ')}`}`,
      ...failures,
    ].join('\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function runAt({ rate, read }: VisibilityRun, durationMs: number, file: string): Promise<Run> {
  // H2 file backend, as for the upload part: 2000 blobs of 200 KB would not fit the memory backend's heap.
  await using stack = await startIngressStack({ h2File: true });
  const positions: { at: number; position: ProjectorPosition }[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      positions.push({ at: Date.now(), position: await stack.projector() });
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  })();
  const result = await runLoad(
    {
      mode: 'visibility',
      url: stack.url,
      apiKey: stack.apiKey,
      file,
      read,
      rate,
      durationMs,
      groupPrefix: `visibility-${rate}`,
      groupSize: GROUP_SIZE,
      readLimit: READ_LIMIT,
      maxPages: 20,
      maxInFlight: 400,
      timeoutMs: 30_000,
    },
    durationMs + 120_000,
  );
  sampling = false;
  await sampler;
  // What one groups read costs with the images now stored, nothing else running: the server scans them.
  await stack.projectorIdle();
  const idle: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const res = await fetch(`${stack.url}/v1/groups?limit=${READ_LIMIT}`, {
      headers: { 'x-api-key': stack.apiKey },
    });
    await res.arrayBuffer();
    idle.push(performance.now() - started);
  }
  const images = await stack.mongo.db.collection('images').estimatedDocumentCount();
  return {
    idleGroupsMs: percentile(idle, 50),
    images,
    rate,
    read,
    result,
    backend: stack.backend,
    ...projectorLag(result, positions),
  };
}

function projectorLag(
  result: VisibilityResult,
  positions: { at: number; position: ProjectorPosition }[],
): Pick<Run, 'projectorLagMs' | 'maxBacklog' | 'projectorRate'> {
  const projectorLagMs: number[] = [];
  for (const sample of result.samples) {
    const answeredAt = sample.scheduledAt + sample.uploadMs;
    const reached = positions.find((p) => p.position.applied >= sample.seq);
    if (reached) projectorLagMs.push(Math.max(0, reached.at - answeredAt));
  }
  const first = positions[0]!;
  const last = positions.at(-1)!;
  return {
    projectorLagMs,
    maxBacklog: Math.max(...positions.map((p) => p.position.backlog)),
    projectorRate: (last.position.applied - first.position.applied) / ((last.at - first.at) / 1000),
  };
}
