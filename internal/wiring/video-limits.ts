// The limits every video must meet, the same in the ingress (before accepting it) and the worker.
import { DEFAULT_VIDEO_LIMITS } from '../adapters/ffmpeg/probe-video.ts';
import type { Config } from '../config/config.ts';
import type { VideoLimits } from '../ports/video-upscaler.ts';

export function videoLimitsOf(config: Config): VideoLimits {
  return {
    ...DEFAULT_VIDEO_LIMITS,
    maxDurationSeconds: config.PIXELFORGE_MAX_VIDEO_SECONDS,
    // 60 frames a second at most, however long a video may be.
    maxFrames: config.PIXELFORGE_MAX_VIDEO_SECONDS * 60,
  };
}
