// `pixelforge imports`: list imports, show one (its failures), follow one, cancel one.
import { createApiClient } from '../../../internal/cli/client.ts';
import { parseCommandArgs, UsageError, type Command } from '../../../internal/cli/command.ts';
import { followImport, printImport, type ImportJson } from './import.ts';

export const command: Command = {
  name: 'imports',
  summary: 'list, show, follow or cancel imports',
  help: `Usage: pixelforge imports [--status S] [--json]
       pixelforge imports show <id> [--failed] [--json]   --failed: every failed URL and why
       pixelforge imports watch <id>                      follow it until it ends
       pixelforge imports cancel <id>

Statuses: pending, running, completed, failed, cancelled. Talks to PIXELFORGE_URL.

Exit codes: 0 done, 1 refused or unreachable (watch: the import did not complete), 2 bad arguments.`,
  async run(argv) {
    const args = parseCommandArgs(this, argv, {
      status: { type: 'string' },
      failed: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (!args) return 0;
    const client = await createApiClient();
    const [action, id] = args.positionals;
    const path = (i: string) => `/v1/imports/${encodeURIComponent(i)}`;
    if (action === undefined || action === 'list') {
      const query = args.values.status ? `?status=${encodeURIComponent(args.values.status)}` : '';
      const page = await client.call<{ items: (ImportJson & { createdAt: string })[] }>(
        `/v1/imports${query}`,
      );
      if (args.values.json) process.stdout.write(`${JSON.stringify(page)}\n`);
      else if (page.items.length === 0) process.stdout.write('no imports yet: pixelforge import --help\n');
      else
        for (const i of page.items) {
          const { found, downloaded, skipped, failed } = i.counts;
          process.stdout.write(
            `${i.id}  ${i.status.padEnd(9)}  ${downloaded + skipped + failed}/${found}  ${failed} failed  ${i.createdAt}\n`,
          );
        }
      return 0;
    }
    if (!id) throw new UsageError(`${action} needs an import id\n\n${this.help.trim()}`);
    if (action === 'show') {
      const view = await client.call<ImportJson>(path(id));
      if (args.values.json) return (process.stdout.write(`${JSON.stringify(view)}\n`), 0);
      await printImport(client, view);
      if (args.values.failed) {
        let cursor: string | null = null;
        do {
          const page: { items: { url: string; reason: string }[]; nextCursor: string | null } =
            await client.call(
              `${path(id)}/items?outcome=failed&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
            );
          for (const item of page.items) process.stdout.write(`${item.url}\t${item.reason}\n`);
          cursor = page.nextCursor;
        } while (cursor);
      }
      return 0;
    }
    if (action === 'watch') {
      const view = await followImport(client, id);
      await printImport(client, view);
      return view.status === 'completed' ? 0 : 1;
    }
    if (action === 'cancel') {
      await client.call(path(id), { method: 'DELETE' });
      process.stdout.write(`cancelling import ${id}\n`);
      return 0;
    }
    throw new UsageError(`unknown imports action ${JSON.stringify(action)}\n\n${this.help.trim()}`);
  },
};
