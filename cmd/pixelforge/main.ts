// `pixelforge`: the command-line entry point. Wiring only: find the subcommand, run it, map errors to exit codes.
import { PixelforgeError } from '../../internal/errors/errors.ts';
import { ConfigError } from '../../internal/config/config.ts';
import { UsageError, type Command } from '../../internal/cli/command.ts';

/** Subcommands, loaded on use so that e.g. `groups` does not load the inference runtime. */
const COMMANDS: Record<
  string,
  {
    summary: string;
    load: () => Promise<{ command: Command }>;
    /** The oldest Node that runs it, where that is newer than the client commands need (Node 20 with tsx). */
    node?: [major: number, minor: number];
  }
> = {
  up: {
    summary: 'run the whole stack locally (what `npm start` runs)',
    load: () => import('./commands/up.ts'),
    node: [24, 7], // the accounts hash passwords with node:crypto's argon2
  },
  login: {
    summary: 'log in (or create an account) and keep the login',
    load: () => import('./commands/login.ts'),
  },
  logout: { summary: 'end the stored login', load: () => import('./commands/logout.ts') },
  whoami: { summary: 'who the CLI acts as', load: () => import('./commands/whoami.ts') },
  keys: { summary: 'list, create and revoke your API keys', load: () => import('./commands/keys.ts') },
  upload: { summary: 'upload image files into a group', load: () => import('./commands/upload.ts') },
  images: {
    summary: 'list, show, review, tag, delete or download images on the server',
    load: () => import('./commands/images.ts'),
  },
  groups: { summary: 'list groups with their images', load: () => import('./commands/groups.ts') },
  import: {
    summary: 'import images from URLs in MongoDB documents',
    load: () => import('./commands/import.ts'),
  },
  imports: { summary: 'list, show, follow or cancel imports', load: () => import('./commands/imports.ts') },
  stats: { summary: 'images of the last N days by status', load: () => import('./commands/stats.ts') },
  videos: {
    summary: 'upload, list, show, upscale or delete videos on the server',
    load: () => import('./commands/videos.ts'),
  },
  enhance: {
    summary: 'upscale a local image or video file with a model',
    load: () => import('./commands/enhance.ts'),
  },
  jobs: {
    summary: 'list, show, follow or cancel enhancement jobs',
    load: () => import('./commands/jobs.ts'),
  },
  models: {
    summary: 'list installed models, or convert them from npm',
    load: () => import('./commands/models.ts'),
  },
  'projections rebuild': {
    summary: 'rebuild the read models from the event stream',
    load: () => import('./commands/projections-rebuild.ts'),
  },
  'projections verify': {
    summary: 'compare the read models with a fold of the event stream',
    load: () => import('./commands/projections-verify.ts'),
  },
};

const USAGE = `Usage: pixelforge <command> [options]   (pixelforge <command> --help for its options)

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(22)}${c.summary}`)
  .join('\n')}

Client commands talk to PIXELFORGE_URL (default http://127.0.0.1:8080) as PIXELFORGE_API_KEY, else the
login of \`pixelforge login\`, else the key in ./.data/admin.key written by \`pixelforge up\`.`;

async function main(argv: string[]): Promise<number> {
  const name = [argv.slice(0, 2).join(' '), argv[0] ?? ''].find((n) => n in COMMANDS);
  if (!name) {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return argv.length === 0 ? 2 : 0;
    }
    process.stderr.write(`pixelforge: unknown command ${JSON.stringify(argv.join(' '))}\n\n${USAGE}\n`);
    return 2;
  }
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const [needMajor, needMinor] = COMMANDS[name]!.node ?? [0, 0];
  if (major < needMajor || (major === needMajor && minor < needMinor)) {
    process.stderr.write(
      `pixelforge ${name} needs Node ${needMajor}.${needMinor} or newer; this is ${process.versions.node}. ` +
        '`npm start` runs it on Node 24 (deploy/local/node.sh fetches that once if this machine lacks it).\n',
    );
    return 1;
  }
  const { command } = await COMMANDS[name]!.load();
  return command.run(argv.slice(name.split(' ').length));
}

// A command whose promise never settles, because nothing was left to keep the process alive, must not end as
// a success ('beforeExit' comes only when the event loop runs dry, never after process.exit).
let settled = false;
process.once('beforeExit', () => {
  if (settled) return;
  process.stderr.write('pixelforge: the command ended before it finished (a bug in pixelforge)\n');
  process.exitCode = 1;
});

main(process.argv.slice(2))
  .finally(() => (settled = true))
  .then(
    (code) => (process.exitCode = code),
    (err: Error) => {
      if (err instanceof UsageError || err instanceof ConfigError) {
        process.stderr.write(`pixelforge: ${err.message}\n`);
        process.exitCode = 2;
      } else if (err instanceof PixelforgeError) {
        process.stderr.write(`pixelforge: ${err.message} (${err.code})\n`);
        process.exitCode = 1;
      } else {
        process.stderr.write(`pixelforge: ${err.stack ?? err.message}\n`);
        process.exitCode = 1;
      }
    },
  );
