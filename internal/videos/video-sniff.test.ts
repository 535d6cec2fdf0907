// The first-bytes check of video uploads: each accepted container, and what is refused before it is stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { looksLikeVideo, sniffVideoUpload } from './video-sniff.ts';

const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 0x20]), Buffer.from('ftypisom'), Buffer.alloc(20)]);
const mov = Buffer.concat([Buffer.from([0, 0, 0, 8]), Buffer.from('wide'), Buffer.alloc(20)]);
const mkv = Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), Buffer.alloc(20)]);
const avi = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('AVI LIST')]);

test('MP4, MOV, Matroska and AVI starts are recognised; others are not', () => {
  for (const head of [mp4, mov, mkv, avi]) assert.ok(looksLikeVideo(head));
  assert.equal(looksLikeVideo(Buffer.from('RIFF....WAVEfmt ')), false);
  assert.equal(looksLikeVideo(Buffer.from('\x89PNG\r\n\x1a\n....')), false);
  assert.equal(looksLikeVideo(Buffer.alloc(3)), false);
});

test('the stream passes a video through unchanged, however it is chunked', async () => {
  const chunks = [mp4.subarray(0, 3), mp4.subarray(3, 9), mp4.subarray(9)];
  const out = await text(Readable.from(chunks).pipe(sniffVideoUpload(1000)));
  assert.equal(out, mp4.toString());
});

test('it refuses a non-video, an empty file and a file over the limit, each with its reason', async () => {
  const refusal = (bytes: Buffer, limit = 1000) => text(Readable.from([bytes]).pipe(sniffVideoUpload(limit)));
  await assert.rejects(
    refusal(Buffer.from('<html><body>hi</body></html>')),
    /not an MP4, MOV, MKV, WebM or AVI/,
  );
  await assert.rejects(refusal(Buffer.alloc(0)), /the file is empty/);
  await assert.rejects(refusal(mp4, 10), /larger than the limit of 10 bytes/);
});
