// readFrameTimes on synthetic sources that ffmpeg generates in the test: constant 25 fps, NTSC 29.97 fps and a
// variable frame rate built with a setpts expression, in MP4 (with B-frames) and MKV.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { frameSeconds, readFrameTimes } from './frame-times.ts';

const run = promisify(execFile);

describe('readFrameTimes', () => {
  let dir = '';
  const make = async (name: string, args: string[]) => {
    const file = path.join(dir, name);
    await run('ffmpeg', ['-v', 'error', '-y', ...args, file]);
    return file;
  };
  const h264 = ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-bf', '2'];

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pf-frame-times-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const assertTimes = (actual: number[], expected: number[]) => {
    assert.equal(actual.length, expected.length, 'frame count');
    const worst = Math.max(...actual.map((t, i) => Math.abs(t - expected[i]! - (actual[0]! - expected[0]!))));
    assert.ok(worst < 0.001, `a frame is ${worst * 1000} ms off`);
  };

  it('constant 25 fps in MP4, B-frames reordered into presentation order', async () => {
    const file = await make('cfr.mp4', [
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=64x48:rate=25',
      '-t',
      '2',
      ...h264,
    ]);
    assertTimes(
      frameSeconds(await readFrameTimes(file)),
      Array.from({ length: 50 }, (_, n) => n / 25),
    );
  });

  it('29.97 fps in MKV: each frame n at n·1001/30000 s', async () => {
    const file = await make('ntsc.mkv', [
      ...['-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=30000/1001', '-frames:v', '60', ...h264],
    ]);
    assertTimes(
      frameSeconds(await readFrameTimes(file)),
      Array.from({ length: 60 }, (_, n) => (n * 1001) / 30000),
    );
  });

  it('a variable frame rate (gaps that grow frame by frame) is read as it is, not as a constant rate', async () => {
    // Frame n at n·(n + 1)/2 hundredths of a second: every gap is 10 ms longer than the one before (in a
    // millisecond time base, pts in milliseconds: the source's 1/25 would round the times to 40 ms).
    const file = await make('vfr.mkv', [
      ...['-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=25', '-frames:v', '20'],
      ...['-vf', 'settb=1/1000,setpts=N*(N+1)*5', '-fps_mode', 'vfr', '-enc_time_base', '1/1000', ...h264],
    ]);
    assertTimes(
      frameSeconds(await readFrameTimes(file)),
      Array.from({ length: 20 }, (_, n) => (n * (n + 1)) / 2 / 100),
    );
  });
});
