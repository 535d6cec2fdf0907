// `pixelforge enhance <in> -o <out>`: runs the enhancement engine on a local file, with a progress bar.
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { enhancerFromConfig } from '../../../internal/wiring/enhancer.ts';
import { UsageError, numberFlag, parseCommandArgs, type Command } from '../../../internal/cli/command.ts';
import { loadConfig } from '../../../internal/config/config.ts';
import {
  ENCODER_PRESETS,
  FIT_MODES,
  OUTPUT_FORMATS,
  VIDEO_CODECS,
  type OutputFormat,
  type VideoCodec,
} from '../../../internal/jobs/spec.ts';
import type { AlphaMode, EnhanceRequest } from '../../../internal/ports/enhancer.ts';
import { cliModelsDir } from './models.ts';
import { modelForName } from '../../../internal/enhance/model-catalogue.ts';

// `auto`: the photo model chosen by measurement for the provider (MODEL_ALIASES in model-catalogue.ts).
const DEFAULT_MODEL = 'auto';

/** Inputs taken for videos: upscaled frame by frame into an MKV or MP4 (enhance-video.ts). */
const VIDEO_EXTENSIONS = new Set(['.mp4', '.m4v', '.mov', '.mkv', '.webm', '.avi']);

const EXTENSIONS: Readonly<Record<string, OutputFormat>> = {
  '.png': 'png',
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.webp': 'webp',
  '.avif': 'avif',
};

const HELP = `Usage: pixelforge enhance <input> -o <output> [options]
       pixelforge enhance --remote <imageId> [-o <output>] [options]

Upscales an image file on this machine with an installed model (no server needed) and prints what it wrote.
A video (.mp4 .m4v .mov .mkv .webm .avi) is upscaled frame by frame into -o FILE.mkv or .mp4: every frame
keeps its own time and the audio, subtitle and chapter streams are copied as they are (--model, --scale,
--tile, --pad and --threads apply, and --codec h264|hevc, --crf 0–51 (default 18) and --preset (default medium)
set the encoder). Progress goes to stderr. See \`pixelforge models list\` for the models and their scales.

Options:
  -o, --output FILE   where to write the result (required); its extension (.png .jpg .webp .avif) sets the
                      format unless --format is given
  -m, --model NAME    model, or auto | photo | anime | video (default ${DEFAULT_MODEL}: realesr-general-x4v3
                      on CPU, realesrgan-x4plus on a GPU)
  -s, --scale N       the model's native scale (default: the model's default, the first it lists)
      --outscale X    final size relative to the input, resized from the native result with lanczos3 (e.g. 2.5)
      --width W       final width in pixels (with --height: a box); instead of --outscale. Without --scale,
      --height H      the smallest native scale that reaches the size runs
      --fit F         inside (default: within the box, aspect kept) | cover (fills it, centre cropped) | fill
      --tile N        tile edge in input pixels, 16–4096 (default: from PIXELFORGE_MEMORY_BUDGET_BYTES)
      --pad N         tile overlap in input pixels, 0–256 (raised to the model's receptive field when smaller)
  -f, --format F      ${OUTPUT_FORMATS.join(' | ')}
  -q, --quality N     1–100 (default 90; png ignores it)
      --alpha MODE    lanczos (default) | model: how a transparent image's alpha channel is upscaled
  -t, --threads N     inference threads (default: PIXELFORGE_THREADS, else one per core)
      --json          print the result metadata as JSON
      --remote        enhance an uploaded image on the server (an EnhancementJob), follow its progress and,
                      with -o, download the result; talks to PIXELFORGE_URL with PIXELFORGE_API_KEY
      --priority N    with --remote: higher runs first when workers are busy (default 0)
      --wait          with --remote: follow the job until it ends (the default)
      --no-wait       with --remote: print the job id once it is accepted and return; fetch the result later
                      with \`pixelforge jobs show <id> -o FILE\`

Examples:
  pixelforge enhance photo.jpg -o photo-x4.webp
  pixelforge enhance clip.mp4 -o clip-x2.mkv --model video --scale 2
  pixelforge enhance --remote 01JCZ3Q4Y8N7X5V2W1T0S9R8P7 -o big.png --scale 2
  pixelforge enhance --remote 01JCZ3Q4Y8N7X5V2W1T0S9R8P7 --no-wait --json

Exit codes: 0 written (or, with --no-wait, accepted), 1 the engine or the job refused or failed (the reason is
printed), 2 bad arguments.`;

/** --width, --height and --fit as a request's `size`; refused beside --outscale. */
function sizeFlags(v: { width?: string; height?: string; fit?: string; outscale?: string }) {
  const width = numberFlag('width', v.width, 1, 16_383);
  const height = numberFlag('height', v.height, 1, 16_383);
  if (v.fit !== undefined && !(FIT_MODES as readonly string[]).includes(v.fit))
    throw new UsageError(`--fit must be one of ${FIT_MODES.join(', ')}, got ${JSON.stringify(v.fit)}`);
  if (width === undefined && height === undefined) {
    if (v.fit !== undefined) throw new UsageError('--fit needs --width and --height');
    return {};
  }
  if (v.outscale !== undefined) throw new UsageError('give --outscale or --width/--height, not both');
  const fit = v.fit as (typeof FIT_MODES)[number] | undefined;
  return {
    size: {
      ...(width === undefined ? {} : { width }),
      ...(height === undefined ? {} : { height }),
      ...(fit ? { fit } : {}),
    },
  };
}

/** --codec, --crf and --preset of a video, checked against what the encoders accept. */
function videoEncoding(v: {
  codec?: string | undefined;
  crf?: string | undefined;
  preset?: string | undefined;
}) {
  if (v.codec !== undefined && !(VIDEO_CODECS as readonly string[]).includes(v.codec))
    throw new UsageError(`--codec must be ${VIDEO_CODECS.join(' or ')}, got ${JSON.stringify(v.codec)}`);
  if (v.preset !== undefined && !(ENCODER_PRESETS as readonly string[]).includes(v.preset))
    throw new UsageError(
      `--preset must be one of ${ENCODER_PRESETS.join(', ')}, got ${JSON.stringify(v.preset)}`,
    );
  const crf = numberFlag('crf', v.crf, 0, 51);
  return {
    ...(v.codec ? { codec: v.codec as VideoCodec } : {}),
    ...(crf === undefined ? {} : { crf }),
    ...(v.preset ? { preset: v.preset } : {}),
  };
}

/**
 * Renders progress on stderr: one updating line on a terminal, a line per 10 % otherwise (logs, CI). Counts
 * `unit` (tiles of an image, frames of a video), with the time left once a tenth is done.
 */
export function progressDisplay(
  stream: NodeJS.WriteStream = process.stderr,
  unit = 'tiles',
  label = 'enhancing',
) {
  let lastTenth = -1;
  let started = false;
  const began = performance.now();
  const eta = (fraction: number): string => {
    if (fraction < 0.1 || fraction >= 1) return '';
    const seconds = Math.round(((performance.now() - began) / 1000) * (1 / fraction - 1));
    return `, ${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')} left`;
  };
  return {
    update(done: number, total: number) {
      const fraction = total > 0 ? done / total : 1;
      const percent = Math.floor(fraction * 100);
      if (stream.isTTY) {
        const width = 30;
        const filled = Math.round(fraction * width);
        stream.write(
          `\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(percent).padStart(3)}%  ${done}/${total} ${unit}${eta(fraction)}   `,
        );
        started = true;
      } else if (Math.floor(percent / 10) > lastTenth) {
        lastTenth = Math.floor(percent / 10);
        stream.write(`${label}: ${percent}% (${done}/${total} ${unit}${eta(fraction)})\n`);
      }
    },
    end() {
      if (started) stream.write('\n');
    },
  };
}

export const command: Command = {
  name: 'enhance',
  summary: 'upscale a local image or video file with a model',
  help: HELP,
  async run(argv) {
    const args = parseCommandArgs(this, argv, {
      output: { type: 'string', short: 'o' },
      model: { type: 'string', short: 'm' },
      scale: { type: 'string', short: 's' },
      outscale: { type: 'string' },
      width: { type: 'string' },
      height: { type: 'string' },
      fit: { type: 'string' },
      tile: { type: 'string' },
      pad: { type: 'string' },
      format: { type: 'string', short: 'f' },
      quality: { type: 'string', short: 'q' },
      alpha: { type: 'string' },
      threads: { type: 'string', short: 't' },
      json: { type: 'boolean' },
      remote: { type: 'boolean' },
      wait: { type: 'boolean' },
      'no-wait': { type: 'boolean' },
      priority: { type: 'string' },
      codec: { type: 'string' },
      crf: { type: 'string' },
      preset: { type: 'string' },
    });
    if (!args) return 0;
    const v = args.values;
    if ((v.wait || v['no-wait']) && !v.remote) throw new UsageError('--wait and --no-wait go with --remote');
    if (v.wait && v['no-wait']) throw new UsageError('give --wait or --no-wait, not both');
    if (v.remote) {
      if (v['no-wait'] && v.output)
        throw new UsageError(
          '--no-wait returns before there is a result: drop -o, and fetch it later with `pixelforge jobs show <id> -o FILE`',
        );
      const tile = numberFlag('tile', v.tile, 16, 4096);
      const pad = numberFlag('pad', v.pad, 0, 256);
      const scale = numberFlag('scale', v.scale, 1, 8);
      const outscale = numberFlag('outscale', v.outscale, 0.1, 16, false);
      const quality = numberFlag('quality', v.quality, 1, 100);
      const priority = numberFlag('priority', v.priority, -1000, 1000);
      const format = v.format ?? (v.output ? EXTENSIONS[path.extname(v.output).toLowerCase()] : undefined);
      const { enhanceRemotely } = await import('./enhance-remote.ts');
      return enhanceRemotely({
        imageIds: args.positionals,
        output: v.output,
        json: v.json ?? false,
        wait: !v['no-wait'],
        request: {
          model: v.model ?? DEFAULT_MODEL,
          ...(scale === undefined ? {} : { scale }),
          ...(outscale === undefined ? {} : { outscale }),
          ...sizeFlags(v),
          ...(tile === undefined ? {} : { tile: { size: tile, ...(pad === undefined ? {} : { pad }) } }),
          ...(format || quality
            ? { output: { ...(format ? { format } : {}), ...(quality ? { quality } : {}) } }
            : {}),
          ...(priority === undefined ? {} : { priority }),
        },
      });
    }
    if (args.positionals.length !== 1) throw new UsageError(`give exactly one input file\n\n${HELP}`);
    if (!v.output) throw new UsageError(`-o/--output is required\n\n${HELP}`);
    const input = args.positionals[0]!;
    if (VIDEO_EXTENSIONS.has(path.extname(input).toLowerCase())) {
      const { enhanceVideoFile } = await import('./enhance-video.ts');
      return enhanceVideoFile({
        input,
        output: v.output,
        model: v.model ?? DEFAULT_MODEL,
        scale: numberFlag('scale', v.scale, 1, 8),
        threads: numberFlag('threads', v.threads, 1, 256),
        json: v.json ?? false,
        encoding: videoEncoding(v),
        ...(v.tile === undefined
          ? {}
          : {
              tile: {
                size: numberFlag('tile', v.tile, 16, 4096)!,
                pad: numberFlag('pad', v.pad, 0, 256) ?? 16,
              },
            }),
      });
    }
    const format = (v.format ?? EXTENSIONS[path.extname(v.output).toLowerCase()]) as OutputFormat | undefined;
    if (!format) {
      throw new UsageError(
        `cannot tell the format from ${JSON.stringify(v.output)}; name a .png, .jpg, .webp or .avif file, or give --format`,
      );
    }
    if (!OUTPUT_FORMATS.includes(format)) {
      throw new UsageError(
        `--format must be one of ${OUTPUT_FORMATS.join(', ')}, got ${JSON.stringify(format)}`,
      );
    }
    if (v.alpha !== undefined && v.alpha !== 'lanczos' && v.alpha !== 'model') {
      throw new UsageError(`--alpha must be lanczos or model, got ${JSON.stringify(v.alpha)}`);
    }
    const scale = numberFlag('scale', v.scale, 1, 8);
    const outscale = numberFlag('outscale', v.outscale, 0.1, 16, false);
    const tile = numberFlag('tile', v.tile, 16, 4096);
    const pad = numberFlag('pad', v.pad, 0, 256);
    if (pad !== undefined && tile === undefined) throw new UsageError('--pad needs --tile');
    const quality = numberFlag('quality', v.quality, 1, 100);
    const config = loadConfig();
    const enhancer = enhancerFromConfig(config, {
      modelsDir: cliModelsDir(),
      threads: numberFlag('threads', v.threads, 1, 256),
    });
    try {
      const model = modelForName(v.model ?? DEFAULT_MODEL, config.PIXELFORGE_PROVIDER);
      const installed = await enhancer.models();
      const known = installed.find((m) => m.name === model);
      if (!known) {
        throw new UsageError(
          `--model ${model} is not installed; installed: ${installed.map((m) => m.name).join(', ') || '(none)'}`,
        );
      }
      if (scale !== undefined && !known.scales.includes(scale)) {
        throw new UsageError(
          `--scale ${scale}: ${model} has ${known.scales.map((s) => `×${s}`).join(', ')}; use --outscale for other sizes`,
        );
      }
      const bytes = await readFile(input).catch((err: NodeJS.ErrnoException) => {
        throw new UsageError(`cannot read ${input}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
      });
      const request: EnhanceRequest = {
        model,
        ...(scale === undefined ? {} : { scale }),
        ...(outscale === undefined ? {} : { outscale }),
        ...sizeFlags(v),
        ...(tile === undefined ? {} : { tile: { size: tile, ...(pad === undefined ? {} : { pad }) } }),
        output: { format, ...(quality === undefined ? {} : { quality }) },
        ...(v.alpha ? { alpha: v.alpha as AlphaMode } : {}),
      };
      const progress = progressDisplay();
      const stop = new AbortController();
      const onSignal = () => stop.abort(new Error('interrupted'));
      process.once('SIGINT', onSignal);
      let result;
      try {
        result = await enhancer.enhance(bytes, request, {
          signal: stop.signal,
          onProgress: (done, total) => progress.update(done, total),
        });
      } finally {
        progress.end();
        process.off('SIGINT', onSignal);
      }
      // Through a temporary name, so an interrupted write never leaves a truncated image at the output path.
      const partial = `${v.output}.partial-${process.pid}`;
      try {
        await writeFile(partial, result.data);
        await rename(partial, v.output);
      } catch (err) {
        await rm(partial, { force: true });
        throw err;
      }
      const { info } = result;
      if (v.json) {
        process.stdout.write(`${JSON.stringify({ output: v.output, ...info }, null, 2)}\n`);
      } else {
        process.stdout.write(
          `${v.output}: ${info.width}×${info.height} ${info.format}, ${(info.size / 1024).toFixed(1)} KiB\n` +
            `  ${info.model} ×${info.scale}${info.outscale === undefined ? '' : ` → outscale ${info.outscale}`} on ${info.provider}, ` +
            `${info.tiles} tile${info.tiles === 1 ? '' : 's'} of ${info.tileSize} px (pad ${info.pad})` +
            `${info.alpha ? `, alpha by ${info.alpha}` : ''}, ${(info.durationMs / 1000).toFixed(2)} s\n`,
        );
      }
      return 0;
    } finally {
      await enhancer.close();
    }
  },
};
