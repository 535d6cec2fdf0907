// `pixelforge keys`: your API keys: list them, make one with scopes, revoke one.
import { createApiClient } from '../../../internal/cli/client.ts';
import { parseCommandArgs, UsageError, type Command } from '../../../internal/cli/command.ts';

interface Key {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
}

export const command: Command = {
  name: 'keys',
  summary: 'list, create and revoke your API keys',
  help: `Usage: pixelforge keys [list] [--json]
       pixelforge keys create NAME --scope SCOPE [--scope SCOPE…]
       pixelforge keys revoke ID

Your API keys on PIXELFORGE_URL (managed from a login: run \`pixelforge login\` first). A key acts as you,
within its scopes, sent as X-API-Key (PIXELFORGE_API_KEY for this CLI). Its secret is printed once, at creation.

Scopes: read (GETs), images:write (uploads, changes to images and groups), jobs:write (enhancements),
imports:write (imports), admin (administrators only: everything).

Examples:
  pixelforge keys create "camera uploads" --scope images:write --scope read
  pixelforge keys
  pixelforge keys revoke 01JB…

Exit codes: 0 done, 1 refused or unreachable, 2 bad arguments.`,
  async run(argv) {
    const args = parseCommandArgs(this, argv, {
      scope: { type: 'string', multiple: true },
      json: { type: 'boolean' },
    });
    if (!args) return 0;
    const [action = 'list', ...rest] = args.positionals;
    const client = await createApiClient();
    if (action === 'list') {
      const { items } = await client.call<{ items: Key[] }>('/v1/auth/keys');
      if (args.values.json) process.stdout.write(`${JSON.stringify(items)}\n`);
      else if (items.length === 0)
        process.stdout.write('no keys yet: pixelforge keys create NAME --scope …\n');
      else
        for (const k of items)
          process.stdout.write(
            `${k.id}  ${k.name}  [${k.scopes.join(' ')}]  made ${k.createdAt}  last used ${k.lastUsedAt ?? 'never'}\n`,
          );
      return 0;
    }
    if (action === 'create') {
      const name = rest.join(' ').trim();
      if (!name || !args.values.scope?.length)
        throw new UsageError(`create needs a NAME and at least one --scope\n\n${this.help.trim()}`);
      const made = await client.call<Key & { key: string }>('/v1/auth/keys', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, scopes: args.values.scope }),
      });
      if (args.values.json) process.stdout.write(`${JSON.stringify(made)}\n`);
      else
        process.stdout.write(
          `made key ${made.id} "${made.name}" [${made.scopes.join(' ')}]:\n\n  ${made.key}\n\nIt is shown this once: keep it now.\n`,
        );
      return 0;
    }
    if (action === 'revoke') {
      if (rest.length !== 1) throw new UsageError(`revoke needs one key id\n\n${this.help.trim()}`);
      await client.call(`/v1/auth/keys/${encodeURIComponent(rest[0]!)}`, { method: 'DELETE' });
      process.stdout.write(`revoked key ${rest[0]}\n`);
      return 0;
    }
    throw new UsageError(`unknown keys action ${JSON.stringify(action)}\n\n${this.help.trim()}`);
  },
};
