// probeVideo on sources that ffmpeg generates in the test: what a good video yields, and each refusal.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_VIDEO_LIMITS, VideoRejectedError, probeVideo } from './probe-video.ts';

const run = promisify(execFile);

describe('probeVideo', () => {
  let dir = '';
  const file = (name: string) => path.join(dir, name);
  /** ffmpeg with lavfi sources: `inputs` and `output` options, to `name` in the temporary directory. */
  const generate = async (name: string, args: string[]) => {
    await run('ffmpeg', ['-v', 'error', '-y', ...args, file(name)]);
    return file(name);
  };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pf-probe-'));
    await generate('ntsc.mp4', [
      ...['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30000/1001'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
      ...['-t', '2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest'],
    ]);
    await generate('silent.mkv', [
      ...[
        '-f',
        'lavfi',
        '-i',
        'testsrc2=size=256x144:rate=25',
        '-t',
        '1',
        '-c:v',
        'libx264',
        '-pix_fmt',
        'yuv420p',
      ],
    ]);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('reads an MP4 with H.264 and AAC: exact 29.97 fps, frames counted, audio described', async () => {
    const probe = await probeVideo(file('ntsc.mp4'));
    assert.match(probe.container, /^mov,mp4/);
    assert.equal(probe.videoCodec, 'h264');
    assert.deepEqual([probe.width, probe.height], [320, 240]);
    assert.deepEqual(probe.frameRate, { num: 30000, den: 1001 });
    assert.equal(probe.frameCount, 60);
    assert.ok(Math.abs(probe.durationSeconds - 2) < 0.1, `duration ${probe.durationSeconds}`);
    assert.deepEqual(probe.audio, [{ codec: 'aac', channels: 1, sampleRate: 48000 }]);
    assert.equal(probe.streams, 2);
  });

  it('reads an MKV without audio', async () => {
    const probe = await probeVideo(file('silent.mkv'));
    assert.match(probe.container, /^matroska/);
    assert.deepEqual(probe.frameRate, { num: 25, den: 1 });
    assert.equal(probe.frameCount, 25);
    assert.deepEqual(probe.audio, []);
  });

  const refused = async (target: string, code: string, message: RegExp, limits = DEFAULT_VIDEO_LIMITS) => {
    await assert.rejects(probeVideo(target, limits), (err: unknown) => {
      assert.ok(err instanceof VideoRejectedError, String(err));
      assert.equal(err.code, code);
      assert.match(err.message, message);
      return true;
    });
  };

  it('refuses a file that is not a video', async () => {
    await writeFile(file('notes.mp4'), 'these are not frames\n');
    await refused(file('notes.mp4'), 'unsupported_media_type', /not a video ffprobe can read/);
  });

  it('refuses a truncated MP4 (no moov index)', async () => {
    const whole = await readFile(file('ntsc.mp4'));
    // libx264 in MP4 writes the index at the end: the first half has frames but no moov.
    await writeFile(file('cut.mp4'), whole.subarray(0, Math.floor(whole.length / 2)));
    await refused(file('cut.mp4'), 'validation_failed', /truncated: its MP4 index \(moov\) is missing/);
  });

  it('refuses an image and a codec outside the allow-list', async () => {
    await generate('still.png', ['-f', 'lavfi', '-i', 'color=red:size=32x32', '-frames:v', '1']);
    await refused(file('still.png'), 'unsupported_media_type', /container png_pipe is not accepted/);
    const ffv1 = await generate('lossless.mkv', [
      ...['-f', 'lavfi', '-i', 'testsrc2=size=64x64:rate=5', '-t', '1', '-c:v', 'ffv1'],
    ]);
    await refused(ffv1, 'unsupported_media_type', /video codec ffv1 is not accepted/);
  });

  it('refuses dimensions, pixel rate, duration, frames and streams over the limits, naming the limit', async () => {
    const mp4 = file('ntsc.mp4');
    await refused(mp4, 'too_many_pixels', /is 320×240; at most 256×4096/, {
      ...DEFAULT_VIDEO_LIMITS,
      maxWidth: 256,
    });
    await refused(mp4, 'too_many_pixels', /pixels per second; at most 1000000/, {
      ...DEFAULT_VIDEO_LIMITS,
      maxPixelsPerSecond: 1_000_000,
    });
    await refused(mp4, 'payload_too_large', /lasts 2 s; at most 1 s/, {
      ...DEFAULT_VIDEO_LIMITS,
      maxDurationSeconds: 1,
    });
    await refused(mp4, 'payload_too_large', /has 60 frames; at most 59/, {
      ...DEFAULT_VIDEO_LIMITS,
      maxFrames: 59,
    });
    await refused(mp4, 'validation_failed', /has 2 streams; at most 1/, {
      ...DEFAULT_VIDEO_LIMITS,
      maxStreams: 1,
    });
  });
});
