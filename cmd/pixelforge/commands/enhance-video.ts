// `pixelforge enhance in.mp4 -o out.mkv`: upscales a local video frame by frame with an installed model,
// keeping every frame's time and the sound (internal/adapters/ffmpeg/video-pipeline.ts), with frame progress.
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { enhancerFromConfig } from '../../../internal/wiring/enhancer.ts';
import { upscaleVideo } from '../../../internal/adapters/ffmpeg/video-pipeline.ts';
import { UsageError } from '../../../internal/cli/command.ts';
import type { VideoCodec } from '../../../internal/jobs/spec.ts';
import { loadConfig } from '../../../internal/config/config.ts';
import { modelForName } from '../../../internal/enhance/model-catalogue.ts';
import { cliModelsDir } from './models.ts';
import { progressDisplay } from './enhance.ts';

export interface EnhanceVideoFileOptions {
  input: string;
  output: string;
  model: string;
  scale: number | undefined;
  threads: number | undefined;
  json: boolean;
  encoding?: { codec?: VideoCodec; crf?: number; preset?: string };
  tile?: { size: number; pad: number };
}

export async function enhanceVideoFile(options: EnhanceVideoFileOptions): Promise<number> {
  const extension = path.extname(options.output).toLowerCase();
  if (extension !== '.mkv' && extension !== '.mp4') {
    throw new UsageError(`a video is written as .mkv or .mp4, got ${JSON.stringify(options.output)}`);
  }
  const config = loadConfig();
  const enhancer = enhancerFromConfig(config, { modelsDir: cliModelsDir(), threads: options.threads });
  const work = await mkdtemp(path.join(tmpdir(), 'pixelforge-video-'));
  const stop = new AbortController();
  const onSignal = () => stop.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  const progress = progressDisplay(process.stderr, 'frames');
  try {
    const model = modelForName(options.model, config.PIXELFORGE_PROVIDER);
    const known = (await enhancer.models()).find((m) => m.name === model);
    if (!known) throw new UsageError(`--model ${model} is not installed; see pixelforge models list`);
    const scale = options.scale ?? known.defaultScale;
    if (!known.scales.includes(scale)) {
      throw new UsageError(`--scale ${scale}: ${model} has ${known.scales.map((s) => `×${s}`).join(', ')}`);
    }
    const started = performance.now();
    // Through a temporary name, so an interrupted run never leaves a truncated video at the output path.
    const partial = path.join(work, `out${extension}`);
    const { frames } = await upscaleVideo({
      input: options.input,
      output: partial,
      workDir: work,
      scale,
      ...options.encoding,
      signal: stop.signal,
      onProgress: (done, total) => progress.update(done, total),
      transform: async (rgb, width, height) =>
        (
          await enhancer.enhancePixels(
            { data: rgb, width, height, channels: 3 },
            { model, scale, ...(options.tile ? { tile: options.tile } : {}) },
            { signal: stop.signal },
          )
        ).data,
    });
    progress.end();
    await rename(partial, options.output).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EXDEV') throw err;
      const { copyFile } = await import('node:fs/promises');
      await copyFile(partial, options.output);
    });
    const seconds = (performance.now() - started) / 1000;
    const info = {
      output: options.output,
      model,
      scale,
      frames,
      provider: config.PIXELFORGE_PROVIDER,
      seconds,
    };
    process.stdout.write(
      options.json
        ? `${JSON.stringify(info, null, 2)}\n`
        : `${options.output}: ${frames} frames ×${scale} with ${model} on ${info.provider}, ${seconds.toFixed(1)} s (${(frames / seconds).toFixed(2)} frames/s)\n`,
    );
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    await rm(work, { recursive: true, force: true });
    await enhancer.close();
  }
}
