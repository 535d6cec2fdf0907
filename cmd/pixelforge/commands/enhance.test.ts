// `pixelforge enhance` and `pixelforge models list` as a user runs them: a child process, files on disk, exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { probeVideo } from '../../../internal/adapters/ffmpeg/probe-video.ts';
import { VARIABLE_25_50, assertSameTiming, writeFlashVideo } from '../../../test/support/av-sync.ts';

const BIN = fileURLToPath(new URL('../bin.mjs', import.meta.url));

function pixelforge(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, PIXELFORGE_THREADS: '1' } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
    );
  });
}

test('pixelforge enhance', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'pf-enhance-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const input = path.join(dir, 'in.png');
  await sharp({ create: { width: 24, height: 20, channels: 3, background: '#3a6ea5' } })
    .png()
    .toFile(input);

  await t.test('writes the ×4 result in the format of the output name, with progress on stderr', async () => {
    const output = path.join(dir, 'out.jpg');
    const { code, stdout, stderr } = await pixelforge(['enhance', input, '-o', output, '--scale', '4']);
    assert.equal(code, 0, stderr);
    const meta = await sharp(output).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 96, 80]);
    assert.match(stdout, /96×80 jpeg/);
    assert.match(stderr, /enhancing: 100%/);
  });

  await t.test('--outscale resizes the native result; --json prints the metadata', async () => {
    const output = path.join(dir, 'out.webp');
    const { code, stdout, stderr } = await pixelforge([
      'enhance',
      input,
      '-o',
      output,
      '--outscale',
      '2.5',
      '--json',
    ]);
    assert.equal(code, 0, stderr);
    const info = JSON.parse(stdout) as { width: number; height: number; model: string; format: string };
    assert.deepEqual(
      [info.width, info.height, info.model, info.format],
      [60, 50, 'realesr-general-x4v3', 'webp'],
    );
  });

  await t.test('--width/--height/--fit set an absolute size', async () => {
    const output = path.join(dir, 'box.png');
    const { code, stdout, stderr } = await pixelforge([
      'enhance',
      input,
      '-o',
      output,
      '--model',
      'esrgan-slim',
      '--width',
      '50',
      '--height',
      '50',
      '--fit',
      'cover',
      '--json',
    ]);
    assert.equal(code, 0, stderr);
    const info = JSON.parse(stdout) as { width: number; height: number; scale: number };
    assert.deepEqual([info.width, info.height, info.scale], [50, 50, 3]);
    const meta = await sharp(output).metadata();
    assert.deepEqual([meta.width, meta.height], [50, 50]);
  });

  await t.test('bad flags exit 2 with a reason and write nothing', async () => {
    const before = await readdir(dir);
    const cases: [string[], RegExp][] = [
      [
        ['enhance', input, '-o', path.join(dir, 'x.png'), '--scale', 'four'],
        /--scale must be a whole number/,
      ],
      [
        ['enhance', input, '-o', path.join(dir, 'x.png'), '--model', 'esrgan-slim', '--scale', '5'],
        /has ×4, ×2, ×3, ×8/,
      ],
      [['enhance', input, '-o', path.join(dir, 'x.png'), '--scale', '5'], /realesr-general-x4v3 has ×4;/],
      [
        ['enhance', input, '-o', path.join(dir, 'x.png'), '--model', 'nope'],
        /nope is not installed; installed: .*esrgan-slim/,
      ],
      [['enhance', input, '-o', path.join(dir, 'x.bmp')], /cannot tell the format/],
      [
        ['enhance', input, '-o', path.join(dir, 'x.png'), '--width', '9', '--fit', 'round'],
        /--fit must be one of/,
      ],
      [
        ['enhance', input, '-o', path.join(dir, 'x.png'), '--fit', 'cover'],
        /--fit needs --width and --height/,
      ],
      [['enhance', input, '-o', path.join(dir, 'x.png'), '--width', '9', '--outscale', '2'], /not both/],
      [
        ['enhance', input, '-o', path.join(dir, 'x.png'), '--height', '0'],
        /--height must be from 1 to 16383/,
      ],
      [
        ['enhance', input, '-o', path.join(dir, 'x.png'), '--quality', '0'],
        /--quality must be from 1 to 100/,
      ],
      [['enhance', input, '-o', path.join(dir, 'x.png'), '--frobnicate'], /Unknown option '--frobnicate'/],
      [['enhance', input], /-o\/--output is required/],
      [
        ['enhance', path.join(dir, 'missing.png'), '-o', path.join(dir, 'x.png')],
        /cannot read .*no such file/,
      ],
    ];
    for (const [args, reason] of cases) {
      const { code, stderr } = await pixelforge(args);
      assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
      assert.match(stderr, reason);
    }
    assert.deepEqual(await readdir(dir), before);
  });

  await t.test('--help exits 0', async () => {
    const { code, stdout } = await pixelforge(['enhance', '--help']);
    assert.equal(code, 0);
    assert.match(stdout, /Usage: pixelforge enhance <input> -o <output>/);
  });
});

test('pixelforge enhance of a video: every frame ×2 at its own time, the sound in sync, frame progress', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'pf-enhance-video-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const input = path.join(dir, 'flash.mp4');
  await writeFlashVideo(input, VARIABLE_25_50);
  const output = path.join(dir, 'flash-x2.mkv');
  const { code, stdout, stderr } = await pixelforge([
    ...['enhance', input, '-o', output, '--model', 'esrgan-slim', '--scale', '2'],
    ...['--codec', 'hevc', '--crf', '24', '--preset', 'ultrafast'],
  ]);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /100 frames ×2 with esrgan-slim/);
  assert.match(stderr, /enhancing: 100% \(100\/100 frames\)/);
  const probe = await probeVideo(output);
  assert.deepEqual([probe.width, probe.height, probe.frameCount, probe.videoCodec], [128, 96, 100, 'hevc']);
  await assertSameTiming(input, output, 2);

  const codec = await pixelforge(['enhance', input, '-o', output, '--codec', 'vp9']);
  assert.equal(codec.code, 2);
  assert.match(codec.stderr, /--codec must be h264 or hevc, got "vp9"/);

  const wrong = await pixelforge([
    'enhance',
    input,
    '-o',
    path.join(dir, 'frame.png'),
    '--model',
    'esrgan-slim',
  ]);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /a video is written as \.mkv or \.mp4/);
});

test('pixelforge models list shows every installed model with its scales and licence', async () => {
  const { code, stdout, stderr } = await pixelforge(['models', 'list']);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^NAME\s+KIND\s+SCALES\s+DEFAULT\s+RUN ON\s+LICENCE\s+SOURCE/);
  assert.match(
    stdout,
    /esrgan-slim\s+photo\s+×4 ×2 ×3 ×8\s+×4\s+cpu\s+MIT\s+@upscalerjs\/esrgan-slim@1\.0\.0/,
  );
  assert.match(stdout, /realesrgan-x4plus-anime\s+anime\s+×4\s+×4\s+gpu\s/);
});

test('bad flag values of client commands exit 2 with a sentence, before anything is sent', async () => {
  for (const [args, message] of [
    [['stats', '--days', 'abc'], /--days must be a whole number, got "abc"/],
    [['stats', '--days', '0'], /--days must be from 1 to 3650, got 0/],
    [
      ['videos', 'enhance', '01JCZ3Q4Y8N7X5V2W1T0S9R8P7', '--model', 'video', '--crf', 'high'],
      /--crf must be/,
    ],
  ] as const) {
    const { code, stderr } = await pixelforge([...args]);
    assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
    assert.match(stderr, message);
    assert.doesNotMatch(stderr, /at .*\.ts:\d+|NaN/);
  }
});

test('npx pixelforge prints no npm warnings', async () => {
  const { stderr } = await new Promise<{ stderr: string }>((resolve, reject) =>
    execFile('npx', ['--no-install', 'pixelforge', '--help'], (err, _stdout, stderr) =>
      err ? reject(err) : resolve({ stderr }),
    ),
  );
  assert.doesNotMatch(stderr, /npm warn/i);
});
