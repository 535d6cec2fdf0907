// Who owns a job made with kubectl: the annotation when it names an actor, else the cluster.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newEnhancementJob } from '../resources/enhancement-job.ts';
import { OWNER_ANNOTATION, jobOwner } from './lifecycle-events.ts';

const job = (annotations?: Record<string, string>) => {
  const made = newEnhancementJob('j1', { source: { imageId: 'img' }, model: 'esrgan-slim' });
  if (annotations) made.metadata.annotations = annotations;
  return made;
};

test('a job names its owner by annotation; anything else is the cluster’s', () => {
  assert.equal(jobOwner(job()), 'cluster');
  assert.equal(
    jobOwner(job({ [OWNER_ANNOTATION]: 'user:01JB0000000000000000000000' })),
    'user:01JB0000000000000000000000',
  );
  assert.equal(
    jobOwner(job({ 'pixelforge.io/actor': 'key:ci' })),
    'key:ci',
    'an API request keeps its actor',
  );
  for (const odd of ['admin', 'user:', 'user:a b', `user:${'x'.repeat(300)}`, 'system'])
    assert.equal(jobOwner(job({ [OWNER_ANNOTATION]: odd })), 'cluster', odd);
});
