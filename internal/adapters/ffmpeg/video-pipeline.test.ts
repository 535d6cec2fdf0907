// The video pipeline on the flash-and-burst sources: every frame once, at its own time, and the sound where it
// was. The transform is a plain nearest-neighbour ×2 so that the test is about timing, not a model.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { probeVideo } from './probe-video.ts';
import { upscaleVideo, type SegmentStore } from './video-pipeline.ts';
import {
  CONSTANT_25,
  NTSC_2997,
  VARIABLE_25_50,
  assertSameTiming,
  writeFlashVideo,
} from '../../../test/support/av-sync.ts';

function nearest2(rgb: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  const out = new Uint8Array(width * height * 12);
  for (let y = 0; y < height * 2; y++)
    for (let x = 0; x < width * 2; x++)
      out.set(
        rgb.subarray(((y >> 1) * width + (x >> 1)) * 3, ((y >> 1) * width + (x >> 1)) * 3 + 3),
        (y * width * 2 + x) * 3,
      );
  return Promise.resolve(out);
}

describe('upscaleVideo', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pf-video-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('a transform that fails stops both ffmpeg processes and rejects with its error', async () => {
    const input = path.join(dir, 'fails.mkv');
    await writeFlashVideo(input, CONSTANT_25);
    const work = await mkdtemp(path.join(dir, 'work-'));
    await assert.rejects(
      upscaleVideo({
        input,
        output: path.join(dir, 'never.mkv'),
        workDir: work,
        scale: 2,
        transform: (rgb, w, h, index) =>
          index === 5 ? Promise.reject(new Error('the model failed at frame 5')) : nearest2(rgb, w, h),
      }),
      /the model failed at frame 5/,
    );
    const { stdout } = await promisify(execFile)('ps', ['-eo', 'args']);
    assert.ok(!stdout.includes(input), `an ffmpeg on ${input} is still running`);
  });

  for (const [name, source, from, to, codec] of [
    ['constant 25 fps', CONSTANT_25, 'mp4', 'mkv', 'h264'],
    ['29.97 fps', NTSC_2997, 'mp4', 'mp4', 'hevc'],
    ['25 then 50 fps', VARIABLE_25_50, 'mkv', 'mp4', 'h264'],
  ] as const) {
    it(`${name}, ${from} → ${to} (${codec}): every frame once at its time, ×2, the sound in sync`, async () => {
      const input = path.join(dir, `${name}.${from}`);
      const output = path.join(dir, `${name}-x2.${to}`);
      await writeFlashVideo(input, source);
      const work = await mkdtemp(path.join(dir, 'work-'));
      const progress: number[] = [];
      const { frames } = await upscaleVideo({
        input,
        output,
        workDir: work,
        scale: 2,
        transform: nearest2,
        preset: 'ultrafast',
        codec,
        onProgress: (done) => progress.push(done),
      });
      assert.equal(frames, source.frames);
      assert.equal(progress.at(-1), source.frames);
      await assertSameTiming(input, output, 2);
      assert.equal((await probeVideo(output)).videoCodec, codec);
    });
  }

  it('keeps colours: decodes with the source matrix (or what players assume) and tags the output with it', async () => {
    const cases = [
      [
        'BT.709 tagged',
        '320x240',
        ['-vf', 'scale=out_color_matrix=bt709', ...tags('bt709')],
        'bt709',
        'bt709',
      ],
      ['untagged HD', '1280x720', [], 'bt709', 'bt709'],
      ['untagged SD', '320x240', [], 'bt601', 'smpte170m'],
    ] as const;
    for (const [name, size, encode, playerMatrix, tagged] of cases) {
      const input = path.join(dir, `colour-${size}-${tagged}.mp4`);
      await promisify(execFile)('ffmpeg', [
        ...['-v', 'error', '-y', '-f', 'lavfi', '-i', `color=c=0xC83C1E:size=${size}:rate=25:d=0.2`],
        ...encode,
        ...['-c:v', 'libx264', '-pix_fmt', 'yuv420p', input],
      ]);
      const output = path.join(dir, `colour-${size}-${tagged}.mkv`);
      await upscaleVideo({
        input,
        output,
        workDir: await mkdtemp(path.join(dir, 'work-')),
        scale: 1,
        transform: (rgb) => Promise.resolve(rgb),
        preset: 'ultrafast',
      });
      const { stdout } = await promisify(execFile)('ffprobe', [
        ...['-v', 'error', '-select_streams', 'v:0'],
        ...['-show_entries', 'stream=color_space,color_primaries,color_transfer', '-of', 'csv=p=0', output],
      ]);
      assert.equal(stdout.trim(), [tagged, tagged, tagged].join(','), `${name}: the output's colour tags`);
      const shown = await centrePixel(input, playerMatrix);
      const result = await centrePixel(output);
      for (const c of [0, 1, 2])
        assert.ok(
          Math.abs(shown[c]! - result[c]!) <= 2,
          `${name}: shown as ${shown}, comes out as ${result}`,
        );
    }
  });

  it('resumes from stored segments: only unfinished ones are transformed, and the result is the same', async () => {
    const input = path.join(dir, 'resume.mkv');
    await writeFlashVideo(input, VARIABLE_25_50);
    const store = await directorySegmentStore(await mkdtemp(path.join(dir, 'store-')));
    const common = { input, scale: 2, preset: 'ultrafast', segmentFrames: 20 } as const;
    // The first attempt dies in segment 2 (frames 40–59), after segments 0 and 1 were stored.
    await assert.rejects(
      upscaleVideo({
        ...common,
        output: path.join(dir, 'never.mkv'),
        workDir: await mkdtemp(path.join(dir, 'work-')),
        segments: store,
        transform: (rgb, w, h, index) =>
          index === 45 ? Promise.reject(new Error('worker lost')) : nearest2(rgb, w, h),
      }),
      /worker lost/,
    );
    assert.deepEqual(store.saved, [0, 1]);
    const seen: number[] = [];
    const resumed = await upscaleVideo({
      ...common,
      output: path.join(dir, 'resumed.mkv'),
      workDir: await mkdtemp(path.join(dir, 'work-')),
      segments: store,
      transform: (rgb, w, h, index) => (seen.push(index), nearest2(rgb, w, h)),
    });
    assert.deepEqual(
      { ...resumed, notes: undefined },
      {
        frames: 100,
        width: 128,
        height: 96,
        transformed: 60,
        segments: 5,
        reusedSegments: 2,
        notes: undefined,
      },
    );
    assert.equal(seen[0], 40, 'the first frame transformed again is the first of segment 2');
    const uninterrupted = await upscaleVideo({
      ...common,
      output: path.join(dir, 'uninterrupted.mkv'),
      workDir: await mkdtemp(path.join(dir, 'work-')),
      transform: nearest2,
    });
    assert.equal(uninterrupted.transformed, 100);
    await assertSameTiming(input, path.join(dir, 'resumed.mkv'), 2);
    const hashes = await decodedFrameHashes(path.join(dir, 'resumed.mkv'));
    assert.equal(hashes.length, 100);
    assert.deepEqual(
      hashes,
      await decodedFrameHashes(path.join(dir, 'uninterrupted.mkv')),
      'the resumed output decodes to the same frames as the uninterrupted one',
    );
  });
});

/** The colour tags of a BT.709 stream. */
function tags(space: string): string[] {
  return ['-colorspace', space, '-color_primaries', space, '-color_trc', space];
}

/** The RGB of the first frame's centre, decoded as the file's tags say, or with `matrix` for an untagged file. */
async function centrePixel(file: string, matrix?: string): Promise<number[]> {
  const { stdout } = await promisify(execFile)(
    'ffmpeg',
    [
      ...['-v', 'error', '-i', file, '-frames:v', '1'],
      ...['-vf', `crop=2:2${matrix ? `,scale=in_color_matrix=${matrix}` : ''}`],
      ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    ],
    { encoding: 'buffer' },
  );
  return [...stdout.subarray(0, 3)];
}

/** A segment store over a directory, recording which segments were saved. */
async function directorySegmentStore(root: string): Promise<SegmentStore & { saved: number[] }> {
  const saved: number[] = [];
  const at = (k: number) => path.join(root, `${k}.mkv`);
  return {
    saved,
    load: async (k, file) =>
      copyFile(at(k), file).then(
        () => true,
        () => false,
      ),
    save: async (k, file) => {
      await copyFile(file, at(k));
      saved.push(k);
    },
  };
}

/** The MD5 of every decoded video frame, in order. */
async function decodedFrameHashes(file: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)(
    'ffmpeg',
    ['-v', 'error', '-i', file, '-map', '0:v', '-f', 'framemd5', '-'],
    { maxBuffer: 16 << 20 },
  );
  return stdout
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.split(',').at(-1)!.trim());
}
