import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CancelledError } from '../errors/errors.ts';
import { createSerialQueue, runTiles } from './run-tiles.ts';
import { planTiles } from './tile-plan.ts';

const tiles = planTiles({ width: 64, height: 64, tileSize: 16, pad: 0 }).tiles;

describe('runTiles', () => {
  it('reports 0 before the first tile, then progress after every tile across passes', async () => {
    const progress: string[] = [];
    const seen: number[] = [];
    const pass = { tiles, process: async (t: { index: number }) => void seen.push(t.index) };
    await runTiles([pass, pass], { onProgress: (done, total) => progress.push(`${done}/${total}`) });
    assert.equal(seen.length, 32);
    assert.deepEqual(progress.slice(0, 3), ['0/32', '1/32', '2/32']);
    assert.equal(progress.at(-1), '32/32');
  });

  it('stops within one tile of an abort', async () => {
    const controller = new AbortController();
    let processed = 0;
    const pass = {
      tiles,
      async process() {
        processed++;
        if (processed === 3) controller.abort();
      },
    };
    await assert.rejects(runTiles([pass], { signal: controller.signal }), CancelledError);
    assert.equal(processed, 3);
  });
});

describe('createSerialQueue', () => {
  it('runs tasks one at a time in order', async () => {
    const queue = createSerialQueue();
    const events: string[] = [];
    const task = (name: string) => async () => {
      events.push(`${name}:start`);
      await new Promise((r) => setTimeout(r, 5));
      events.push(`${name}:end`);
      return name;
    };
    const results = await Promise.all([queue.run(task('a')), queue.run(task('b'))]);
    assert.deepEqual(results, ['a', 'b']);
    assert.deepEqual(events, ['a:start', 'a:end', 'b:start', 'b:end']);
  });

  it('cancels a waiting task at once and never runs it; a failed task does not block the queue', async () => {
    const queue = createSerialQueue();
    let release!: () => void;
    const first = queue.run(() => new Promise<void>((r) => (release = r)));
    const controller = new AbortController();
    let ran = false;
    const second = queue.run(async () => void (ran = true), controller.signal);
    const failing = queue.run(async () => {
      throw new Error('boom');
    });
    controller.abort();
    await assert.rejects(second, CancelledError);
    release();
    await first;
    await assert.rejects(failing, /boom/);
    assert.equal(await queue.run(async () => 'after'), 'after');
    assert.equal(ran, false);
  });
});
