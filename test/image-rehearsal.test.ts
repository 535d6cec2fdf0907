// A rehearsal of deploy/Dockerfile's runtime image without a container engine (none runs here): the files the
// runtime stage copies, filtered by deploy/Dockerfile.dockerignore, with node_modules made by the deps stage's
// own RUN line (production dependencies only), then every process the chart runs started from that tree.
// It catches a devDependency imported at run time, a file the ignore rules leave out, a missing model. The
// build stage is approximated by the local models/ (the same converter made them), and the base image's
// Debian packages are the host's: neither is rehearsed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;

interface Instruction {
  stage: string;
  keyword: string;
  args: string;
}

/** The Dockerfile's instructions with their stage, continuation lines joined, comments dropped. */
async function parseDockerfile(path: string): Promise<Instruction[]> {
  const text = (await readFile(path, 'utf8')).replace(/\\\n\s*/g, ' ');
  const instructions: Instruction[] = [];
  let stage = '';
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (!match || line.trimStart().startsWith('#')) continue;
    const [, keyword, args] = match as unknown as [string, string, string];
    if (keyword === 'FROM') stage = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? '';
    instructions.push({ stage, keyword, args: args.trim() });
  }
  return instructions;
}

/** Docker's ignore-file semantics as used here: patterns in order, the last match wins, `!` re-includes. */
function ignoreMatcher(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const include = l.startsWith('!');
      const pattern = include ? l.slice(1) : l;
      const source = pattern
        .split(/(\*\*\/|\*\*|\*|\?)/)
        .map((part) =>
          part === '**/'
            ? '(?:.*/)?'
            : part === '**'
              ? '.*'
              : part === '*'
                ? '[^/]*'
                : part === '?'
                  ? '[^/]'
                  : part.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
        )
        .join('');
      return { include, regex: new RegExp(`^${source}$`) };
    });
  return (path) => {
    let ignored = false;
    for (const rule of rules) if (rule.regex.test(path)) ignored = !rule.include;
    return ignored;
  };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(join(root, dir), { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(root, join(e.parentPath, e.name)));
}

/**
 * What `node <script> <args>` prints and exits with, run in `cwd` with only `env`. No tsx: the image has none,
 * and the suite runs on the image's Node (24), which runs the TypeScript itself.
 */
async function node(cwd: string, env: Record<string, string>, args: string[]) {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

/** The processes the chart runs from this image, and the CLI. */
const PROCESSES = ['ingress', 'projector', 'controller', 'worker', 'importer', 'pixelforge'];

test('the runtime image, rehearsed without a container engine', async (t) => {
  const instructions = await parseDockerfile(join(root, 'deploy/Dockerfile'));
  const ignored = ignoreMatcher(await readFile(join(root, 'deploy/Dockerfile.dockerignore'), 'utf8'));
  const dir = await mkdtemp(join(tmpdir(), 'pixelforge-image-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const app = join(dir, 'app');
  const deps = join(dir, 'deps');

  // The build context: what git tracks plus the generated model weights, minus what the ignore file drops.
  const tracked = (await run('git', ['ls-files'], { cwd: root, maxBuffer: 64 << 20 })).stdout.split('\n');
  const context = new Set([...tracked, ...(await filesUnder('models'))].filter((f) => f && !ignored(f)));
  const copyFromContext = async (source: string, destination: string) => {
    const prefix = source.replace(/^\.\/|\/$/g, '');
    const files = [...context].filter((f) => f === prefix || f.startsWith(`${prefix}/`));
    assert.ok(files.length > 0, `COPY ${source}: nothing in the build context (check the ignore file)`);
    for (const file of files) {
      const target = destination.endsWith('/')
        ? join(destination, file.slice(dirname(prefix) === '.' ? 0 : dirname(prefix).length + 1))
        : join(destination, file.slice(prefix.length));
      await mkdir(dirname(target), { recursive: true });
      await cp(join(root, file), target);
    }
  };

  await t.test('the deps stage installs the production dependencies from the lock file', async () => {
    const stage = instructions.filter((i) => i.stage === 'deps');
    for (const { keyword, args } of stage) {
      if (keyword === 'COPY') {
        const parts = args.split(/\s+/);
        for (const source of parts.slice(0, -1)) await copyFromContext(source, `${deps}/`);
      } else if (keyword === 'RUN') {
        const command = args.replace(/--mount=\S+\s*/g, '');
        await run('sh', ['-c', command], {
          cwd: deps,
          env: { ...process.env, npm_config_prefer_offline: 'true', npm_config_loglevel: 'error' },
          maxBuffer: 64 << 20,
        });
      }
    }
    await assert.rejects(stat(join(deps, 'node_modules/typescript')), 'no devDependencies');
    await assert.rejects(stat(join(deps, 'node_modules/tsx')), 'no transpiler in production');
  });

  const env: Record<string, string> = {};
  await t.test('the runtime stage copies what the processes need', async () => {
    const stage = instructions.filter((i) => i.stage === 'runtime');
    for (const { keyword, args } of stage) {
      if (keyword === 'ENV') {
        for (const [, name, value] of args.matchAll(/(\w+)=(\S+)/g)) env[name!] = value!;
      } else if (keyword === 'COPY') {
        const parts = args.split(/\s+/);
        const from = /^--from=(\S+)$/.exec(parts[0]!)?.[1];
        const [sources, destination] = [parts.slice(from ? 1 : 0, -1), parts.at(-1)!];
        const target = join(app, destination);
        if (from === 'deps') {
          assert.deepEqual(sources, ['/app/node_modules']);
          await cp(join(deps, 'node_modules'), target, { recursive: true, verbatimSymlinks: true });
        } else if (from === 'build') {
          // The build stage converts the models as deploy/local/ensure.sh does: use the local result.
          assert.deepEqual(sources, ['/src/models']);
          await copyFromContext('models', target);
        } else {
          for (const source of sources)
            await copyFromContext(source, sources.length > 1 ? `${target}/` : target);
        }
      }
    }
    const cmd = stage.find((i) => i.keyword === 'CMD');
    assert.deepEqual(JSON.parse(cmd!.args), ['node', 'cmd/ingress/main.ts']);
  });
  env.PIXELFORGE_MODELS_DIR = join(app, 'models');
  env.PIXELFORGE_DATA_DIR = join(dir, 'data');
  assert.equal(env.NODE_COMPILE_CACHE, '/app/.node-compile-cache');
  env.NODE_COMPILE_CACHE = join(app, '.node-compile-cache');

  await t.test(
    'every process the chart runs starts from the image (its --help loads all its code)',
    async () => {
      for (const name of PROCESSES) {
        const { code, output } = await node(app, env, [`cmd/${name}/main.ts`, '--help']);
        assert.equal(code, 0, `${name}:\n${output}`);
        assert.match(output, /^Usage: /, name);
      }
    },
  );

  await t.test('the image fills the compile cache, and a process started again reads it', async () => {
    // The runtime stage's warm-up RUN names every process; the loop above did what it does.
    const warmUp = instructions.find((i) => i.stage === 'runtime' && /--help/.test(i.args));
    assert.ok(warmUp, 'a RUN that loads each process once');
    for (const name of PROCESSES) assert.match(warmUp.args, new RegExp(`\\b${name}\\b`), name);
    const again = await node(app, { ...env, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' }, [
      'cmd/importer/main.ts',
      '--help',
    ]);
    assert.equal(again.code, 0, again.output);
    assert.match(
      again.output,
      /transpile cache for StrippedTypeScript \S+cmd\/importer\/main\.ts\.\.\.success/,
    );
    assert.doesNotMatch(again.output, /saving transpilation cache/, 'nothing stripped again');
  });

  await t.test('the engine runs from the image: onnxruntime-node, sharp and a model', async () => {
    const input = join(dir, 'in.png');
    await sharp({ create: { width: 24, height: 16, channels: 3, background: '#3a7' } })
      .png()
      .toFile(input);
    const output = join(dir, 'out.png');
    const result = await node(app, env, ['cmd/pixelforge/main.ts', 'enhance', input, '-o', output, '--json']);
    assert.equal(result.code, 0, result.output);
    const { width = 0, height = 0 } = await sharp(output).metadata();
    assert.ok(width > 24 && width / 24 === height / 16, `upscaled 24×16 to ${width}×${height}`);
  });
});
