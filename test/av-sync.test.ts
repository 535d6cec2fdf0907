// The timing fixtures of the video work: ffmpeg-made sources whose tone bursts start at their flash frames,
// measured back from the files. A pipeline's output must pass the same checks.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { frameSeconds, readFrameTimes } from '../internal/adapters/ffmpeg/frame-times.ts';
import { CONSTANT_25, VARIABLE_25_50, burstTimes, flashTimes, writeFlashVideo } from './support/av-sync.ts';

describe('flash-and-burst sources', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pf-av-sync-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  for (const [name, source, container] of [
    ['constant 25 fps', CONSTANT_25, 'mp4'],
    ['25 then 50 fps', VARIABLE_25_50, 'mkv'],
  ] as const) {
    it(`${name} (${container}): every frame at its time, each burst at its flash`, async () => {
      const file = path.join(dir, `source.${container}`);
      await writeFlashVideo(file, source);
      const times = frameSeconds(await readFrameTimes(file));
      assert.equal(times.length, source.frames);
      const expected = Array.from({ length: source.frames }, (_, n) => source.secondsOf(n));
      const worst = Math.max(...times.map((t, n) => Math.abs(t - times[0]! - expected[n]!)));
      assert.ok(worst <= 0.001, `a frame is ${(worst * 1000).toFixed(1)} ms from its time`);

      const flashes = await flashTimes(file);
      assert.deepEqual(
        flashes.map((t) => Math.round((t - times[0]!) * 1000)),
        source.flashes.map((n) => Math.round(source.secondsOf(n) * 1000)),
      );
      const bursts = await burstTimes(file);
      assert.equal(bursts.length, flashes.length, `bursts at ${bursts.join(', ')}`);
      // Sound and picture agree within a millisecond or two (AAC's priming is compensated on decode).
      for (const [i, flash] of flashes.entries()) {
        const offset = bursts[i]! - flash;
        assert.ok(Math.abs(offset) < 0.005, `burst ${i} is ${(offset * 1000).toFixed(1)} ms from its flash`);
      }
    });
  }
});
