// The running-jobs cap: priority order, reservations that close the race between concurrent reconciles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newEnhancementJob, type EnhancementJob, type JobPhase } from '../resources/enhancement-job.ts';
import { createAdmission } from './admission.ts';

const job = (
  name: string,
  priority: number,
  phase?: JobPhase,
  created = '2026-01-01T00:00:00Z',
): EnhancementJob => {
  const j = newEnhancementJob(name, { source: { imageId: 'i' }, model: 'm', priority });
  j.metadata.creationTimestamp = created;
  if (phase) j.status = { phase, attempts: phase === 'Pending' ? 0 : 1 };
  return j;
};

test('free slots go to the highest priority, then the oldest', () => {
  const jobs = [
    job('running', 0, 'Running'),
    job('low', -1),
    job('high', 5),
    job('old', 0, undefined, '2025-01-01T00:00:00Z'),
    job('new', 0),
  ];
  const admission = createAdmission({ maxRunning: 3, jobs: () => jobs });
  assert.deepEqual(admission.nextCandidates(), ['high', 'old']);
  assert.equal(admission.tryAdmit(jobs[1]!), false, 'low waits');
  assert.equal(admission.tryAdmit(jobs[4]!), false, 'new is third in line for two slots');
  assert.equal(admission.tryAdmit(jobs[2]!), true);
  assert.equal(admission.tryAdmit(jobs[3]!), true);
  assert.equal(admission.active(), 3);
  assert.equal(admission.tryAdmit(jobs[4]!), false, 'reservations count until the status shows them');
});

test('a reservation ends when the mirror shows the attempt, or is released', () => {
  const jobs = [job('a', 0), job('b', 0)];
  const admission = createAdmission({ maxRunning: 1, jobs: () => jobs });
  assert.equal(admission.tryAdmit(jobs[0]!), true);
  assert.equal(admission.tryAdmit(jobs[1]!), false);
  admission.release('a');
  assert.equal(admission.active(), 0, 'released');
  assert.equal(admission.tryAdmit(jobs[0]!), true, 'a is still first in line');
  jobs[0] = { ...jobs[0]!, status: { phase: 'Scheduled', attempts: 1 } };
  assert.equal(admission.active(), 1, 'the mirror now shows the slot taken');
  assert.equal(admission.tryAdmit(jobs[1]!), false);
  jobs[0] = { ...jobs[0]!, status: { phase: 'Succeeded', attempts: 1 } };
  assert.equal(admission.active(), 0, 'a finished job frees its slot');
  assert.equal(admission.tryAdmit(jobs[1]!), true);
});

test('a job backing off is not a candidate until its retry time', () => {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const waiting = job('retry', 0, 'Pending');
  waiting.status!.retryAt = '2026-01-01T00:00:10Z';
  const admission = createAdmission({ maxRunning: 1, jobs: () => [waiting], now: () => now });
  assert.deepEqual(admission.nextCandidates(), []);
  now += 10_000;
  assert.deepEqual(admission.nextCandidates(), ['retry']);
});
