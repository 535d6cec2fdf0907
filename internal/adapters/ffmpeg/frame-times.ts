// Every frame's presentation time in a video's first video stream, read from its packets with ffprobe (no
// decoding): what an exact-timing pipeline must reproduce, frame for frame, variable frame rate included.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Rational } from '../../videos/video.ts';

const run = promisify(execFile);

export interface FrameTimes {
  /** The stream's time base: a pts of n is n × timeBase seconds. */
  timeBase: Rational;
  /** Presentation timestamps in the time base, ascending (packets come in decode order; B-frames reorder). */
  pts: number[];
}

/** Reads the presentation timestamps of `file`'s first video stream. */
export async function readFrameTimes(file: string): Promise<FrameTimes> {
  const { stdout } = await run(
    'ffprobe',
    [
      ...['-v', 'error', '-select_streams', 'v:0'],
      ...['-show_entries', 'stream=time_base:packet=pts', '-of', 'json', file],
    ],
    { maxBuffer: 256 << 20, timeout: 300_000 },
  );
  const out = JSON.parse(stdout) as { streams?: { time_base?: string }[]; packets?: { pts?: number }[] };
  const [num = 0, den = 0] = (out.streams?.[0]?.time_base ?? '').split('/').map(Number);
  if (!num || !den) throw new Error(`${file}: no video stream with a time base`);
  const pts = (out.packets ?? [])
    .map((p) => p.pts)
    .filter((p): p is number => typeof p === 'number')
    .sort((a, b) => a - b);
  return { timeBase: { num, den }, pts };
}

/** The timestamps in seconds. */
export function frameSeconds({ timeBase, pts }: FrameTimes): number[] {
  return pts.map((p) => (p * timeBase.num) / timeBase.den);
}
