// `pixelforge models list | convert`: the installed super-resolution models, and regenerating them from npm packages.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { loadConfig } from '../../../internal/config/config.ts';
import { UsageError, parseCommandArgs, type Command } from '../../../internal/cli/command.ts';
import { createEnhancer } from '../../../internal/adapters/onnx/create-enhancer.ts';

const REPO_MODELS_DIR = fileURLToPath(new URL('../../../models', import.meta.url));

/** PIXELFORGE_MODELS_DIR when set, else the clone's own models/, so the CLI works from any directory. */
export function cliModelsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.PIXELFORGE_MODELS_DIR ? path.resolve(loadConfig(env).PIXELFORGE_MODELS_DIR) : REPO_MODELS_DIR;
}

const list: Command = {
  name: 'models list',
  summary: 'list the installed models',
  help: `Usage: pixelforge models list [--json]

Lists the models in PIXELFORGE_MODELS_DIR (default: this clone's models/): name, native scales (the default
first), licence and the package the weights come from. Use a name with \`pixelforge enhance --model\`.`,
  async run(argv) {
    const args = parseCommandArgs(this, argv, { json: { type: 'boolean' } });
    if (!args) return 0;
    if (args.positionals.length > 0) throw new UsageError(`models list takes no arguments\n\n${this.help}`);
    const enhancer = createEnhancer({ modelsDir: cliModelsDir() });
    try {
      const models = await enhancer.models();
      if (args.values.json) {
        process.stdout.write(`${JSON.stringify(models, null, 2)}\n`);
        return 0;
      }
      if (models.length === 0) {
        process.stderr.write(`no models installed in ${cliModelsDir()}; run \`pixelforge models convert\`\n`);
        return 1;
      }
      const rows = [
        ['NAME', 'KIND', 'SCALES', 'DEFAULT', 'RUN ON', 'LICENCE', 'SOURCE'],
        ...models.map((m) => [
          m.name,
          m.kind,
          m.scales.map((s) => `×${s}`).join(' '),
          `×${m.defaultScale}`,
          m.recommendedProvider,
          m.licence,
          `${m.source.package}@${m.source.version}`,
        ]),
      ];
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const row of rows) {
        process.stdout.write(
          `${row
            .map((cell, i) => cell.padEnd(widths[i]!))
            .join('  ')
            .trimEnd()}\n`,
        );
      }
      return 0;
    } finally {
      await enhancer.close();
    }
  },
};

const convert: Command = {
  name: 'models convert',
  summary: 'regenerate models/ from the model packages on npm',
  help: `Usage: pixelforge models convert [name…] [--out DIR] [--from DIR]

Converts the model packages to ONNX with a manifest each, into --out (default: PIXELFORGE_MODELS_DIR, else
this clone's models/): the UpscalerJS packages (devDependencies) and the Real-ESRGAN NCNN files
(realesrgan-x4plus, realesr-general-x4v3, realesrgan-x4plus-anime, realesr-animevideov3) from the npm
packages that deploy/local/fetch-model-packages.sh caches. Without names, every known model is converted.
The output is byte-reproducible; see models/README.md.

  --from DIR   take the Real-ESRGAN .param/.bin files from DIR instead (e.g. upstream
               Real-ESRGAN-ncnn-vulkan's models/; realesr-general-x4v3 is realesrgan-x4fast.param/.bin)`,
  async run(argv) {
    const args = parseCommandArgs(this, argv, { out: { type: 'string' }, from: { type: 'string' } });
    if (!args) return 0;
    const outDir = args.values.out ? path.resolve(args.values.out) : cliModelsDir();
    // Loaded here: the converter pulls in protobufjs and the Keras mapping, which `list` does not need.
    const { convertModels } = await import('../../../internal/adapters/onnx/convert/convert-models.ts');
    const manifests = await convertModels({
      outDir,
      ...(args.positionals.length > 0 ? { only: args.positionals } : {}),
      ...(args.values.from ? { fromDir: path.resolve(args.values.from) } : {}),
    });
    for (const manifest of manifests) {
      for (const variant of manifest.variants) {
        process.stdout.write(
          `${manifest.name} ×${variant.scale}: ${path.join(outDir, manifest.name, variant.file)} ` +
            `(${variant.parameters} parameters, ${variant.macsPerOutputPixel} MACs per output pixel)\n`,
        );
      }
    }
    return 0;
  },
};

const SUBCOMMANDS: Record<string, Command> = { list, convert };

export const command: Command = {
  name: 'models',
  summary: 'list installed models, or convert them from npm packages',
  help: `Usage: pixelforge models <list | convert> [options]   (pixelforge models <subcommand> --help)

${Object.values(SUBCOMMANDS)
  .map((c) => `  ${c.name.padEnd(16)}${c.summary}`)
  .join('\n')}`,
  async run(argv) {
    const [name, ...rest] = argv;
    if (name === '--help' || name === '-h') {
      process.stdout.write(`${this.help}\n`);
      return 0;
    }
    const sub = name === undefined ? undefined : SUBCOMMANDS[name];
    if (!sub) {
      throw new UsageError(
        `${name === undefined ? 'give a subcommand' : `unknown subcommand ${JSON.stringify(name)}`}\n\n${this.help}`,
      );
    }
    return sub.run(rest);
  },
};
