// The jobs read model fold: phases from lifecycle events, and replays that change nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PixelforgeEvent, type AnyEvent } from '../events/catalog.ts';
import { envelope } from '../events/envelope.ts';
import { CONTROLLER_SOURCE, applyJobEvent, type JobView } from './job-view.ts';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
let seq = 0;
const event = (type: string, data: object, source = 'pixelforge/worker'): [AnyEvent, number] => [
  PixelforgeEvent.parse(envelope(type, 'j1', data, { source, time: at(++seq) })),
  seq,
];
const spec = { source: { imageId: 'img1' }, model: 'esrgan-slim' };
const output = {
  blobKey: 'enhanced-j1',
  contentType: 'image/webp',
  size: 1,
  width: 4,
  height: 4,
  sha256: 'a'.repeat(64),
};

const fold = (events: [AnyEvent, number][], start: JobView | null = null) =>
  events.reduce<JobView | null>((view, [e, s]) => applyJobEvent(view, e, s) ?? view, start);

test('a job moves Pending → Scheduled → Running → Succeeded, and a replay changes nothing', () => {
  const events = [
    event('pf.enhancement.requested', { jobId: 'j1', spec }, 'pixelforge/ingress'),
    event('pf.job.scheduled', { jobId: 'j1', attempt: 1 }, CONTROLLER_SOURCE),
    event('pf.job.progress', { jobId: 'j1', done: 1, total: 4, unit: 'tiles' }),
    event('pf.job.succeeded', { jobId: 'j1', output, durationMs: 5 }),
  ];
  const phases = events.map((_, i) => fold(events.slice(0, i + 1))!.phase);
  assert.deepEqual(phases, ['Pending', 'Scheduled', 'Running', 'Succeeded']);
  const done = fold(events)!;
  assert.equal(done.imageId, 'img1');
  assert.deepEqual(done.progress, { done: 4, total: 4, unit: 'tiles' });
  assert.deepEqual(fold(events, done), done, 'replaying the whole stream is a no-op');
});

test('a retryable failure is one attempt, a final one fails the job; a worker cancel is not final', () => {
  const requested = event('pf.enhancement.requested', { jobId: 'j1', spec }, 'pixelforge/ingress');
  const flaky = fold([
    requested,
    event('pf.job.failed', { jobId: 'j1', code: 'nats_down', reason: 'x', retryable: true }),
    event('pf.job.cancelled', { jobId: 'j1', reason: 'SIGTERM' }),
  ])!;
  assert.equal(flaky.phase, 'Pending');
  assert.equal(flaky.error?.code, 'nats_down');
  const failed = fold([
    requested,
    event('pf.job.failed', { jobId: 'j1', code: 'x', reason: 'y', retryable: false }),
  ]);
  assert.equal(failed!.phase, 'Failed');
  const cancelled = fold([requested, event('pf.job.cancelled', { jobId: 'j1' }, CONTROLLER_SOURCE)]);
  assert.equal(cancelled!.phase, 'Cancelled');
});

test('a job first seen through pf.job.scheduled (made with kubectl) takes its spec from it', () => {
  const view = fold([event('pf.job.scheduled', { jobId: 'j1', attempt: 2, spec }, CONTROLLER_SOURCE)])!;
  assert.equal(view.model, 'esrgan-slim');
  assert.equal(view.attempts, 2);
  assert.equal(
    applyJobEvent(
      view,
      PixelforgeEvent.parse(envelope('pf.group.created', 'g', { groupId: 'g', name: 'n' }, { source: 's' })),
      99,
    ),
    null,
  );
});

test('pf.job.started makes a job Running before any progress; a late one of an earlier attempt does not', () => {
  const requested = event('pf.enhancement.requested', { jobId: 'j1', spec }, 'pixelforge/ingress');
  const started = fold([
    requested,
    event('pf.job.scheduled', { jobId: 'j1', attempt: 1 }, CONTROLLER_SOURCE),
    event('pf.job.started', { jobId: 'j1', attempt: 1 }, CONTROLLER_SOURCE),
  ])!;
  assert.equal(started.phase, 'Running');
  assert.equal(started.progress, null);
  assert.ok(started.startedAt);
  const retried = fold(
    [
      event('pf.job.scheduled', { jobId: 'j1', attempt: 2 }, CONTROLLER_SOURCE),
      event('pf.job.started', { jobId: 'j1', attempt: 1 }, CONTROLLER_SOURCE),
    ],
    started,
  )!;
  assert.equal(retried.phase, 'Scheduled', 'attempt 1 started long ago; attempt 2 has not');
  const succeeded = fold([event('pf.job.succeeded', { jobId: 'j1', output, durationMs: 5 })], started)!;
  const late = fold([event('pf.job.started', { jobId: 'j1', attempt: 1 }, CONTROLLER_SOURCE)], succeeded)!;
  assert.equal(late.phase, 'Succeeded');
});

test("a job's owner: its requester, else the actor of the controller's scheduled event (a kubectl job)", () => {
  const as = (actor: string, type: string, data: object): [AnyEvent, number] => [
    PixelforgeEvent.parse(envelope(type, 'j1', data, { source: CONTROLLER_SOURCE, actor, time: at(++seq) })),
    seq,
  ];
  const requested = as('user:ana', 'pf.enhancement.requested', { jobId: 'j1', spec });
  const scheduledByCluster = as('cluster', 'pf.job.scheduled', { jobId: 'j1', attempt: 1 });
  assert.equal(
    fold([requested, scheduledByCluster])!.requestedBy,
    'user:ana',
    'the requester stays the owner',
  );
  assert.equal(
    fold([as('user:bo', 'pf.job.scheduled', { jobId: 'j1', attempt: 1 })])!.requestedBy,
    'user:bo',
  );
  const old = fold([as('system', 'pf.job.scheduled', { jobId: 'j1', attempt: 1 })])!;
  assert.equal(old.requestedBy, null, 'events from before owners name nobody: only those who see all see it');
});
