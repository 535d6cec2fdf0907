// `pixelforge import`: bring in the images whose URLs are in documents of a MongoDB source, with progress.
import { createApiClient, type ApiClient } from '../../../internal/cli/client.ts';
import { numberFlag, parseCommandArgs, UsageError, type Command } from '../../../internal/cli/command.ts';
import { progressDisplay } from './enhance.ts';
import { importEnded } from '../../../internal/imports/import.ts';

export interface ImportJson {
  id: string;
  status: 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';
  documents: number | null;
  counts: { found: number; downloaded: number; skipped: number; failed: number };
  reason: string | null;
}

/** Follows an import until it ends, drawing its progress; resolves with its last state. */
export async function followImport(client: ApiClient, id: string): Promise<ImportJson> {
  const progress = progressDisplay(process.stderr, 'URLs', 'importing');
  for (;;) {
    const view = await client.call<ImportJson>(`/v1/imports/${encodeURIComponent(id)}`);
    const { found, downloaded, skipped, failed } = view.counts;
    if (view.status !== 'pending' && found > 0) progress.update(downloaded + skipped + failed, found);
    if (importEnded(view.status)) {
      progress.end();
      return view;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The summary and the first failures, with their reasons. */
export async function printImport(client: ApiClient, view: ImportJson): Promise<void> {
  const { found, downloaded, skipped, failed } = view.counts;
  process.stdout.write(
    `import ${view.id}: ${view.status}; ${view.documents ?? 0} documents, ${found} URLs: ${downloaded} downloaded, ${skipped} skipped, ${failed} failed\n`,
  );
  if (view.reason) process.stdout.write(`  ${view.reason}\n`);
  if (failed === 0) return;
  const page = await client.call<{ items: { url: string; reason: string }[]; nextCursor: string | null }>(
    `/v1/imports/${encodeURIComponent(view.id)}/items?outcome=failed&limit=20`,
  );
  for (const item of page.items) process.stdout.write(`  failed  ${item.url}\n          ${item.reason}\n`);
  if (page.nextCursor) process.stdout.write(`  … more: pixelforge imports show ${view.id} --failed\n`);
}

export const command: Command = {
  name: 'import',
  summary: 'import images from URLs in MongoDB documents',
  help: `Usage: pixelforge import --collection NAME [--source default] [--db NAME]
                        [--id ID | --filter JSON --limit N | --limit N] [--field PATH…] [--group TEMPLATE]
                        [--no-wait] [--json]

Brings in the images whose URLs are in documents of a MongoDB collection: the whole collection, one document
(--id: its _id, an ObjectId in hex or a string), or those a filter selects (--filter, a MongoDB query of
comparisons and matches, with --limit). Each document becomes a group; each image keeps where it came from.
URLs are taken from --field (dotted paths to URLs, arrays of them or objects with a url; repeatable), or,
without it, from every http(s) string of the document. The importer downloads politely (a per-host cap,
retries with backoff) and refuses private addresses unless its operator allows them.

Options:
      --source NAME     a source of PIXELFORGE_IMPORT_SOURCES (default: Pixelforge's own MongoDB)
      --db NAME         the database (default: the source's)
      --collection NAME the collection
      --id ID           one document
      --filter JSON     a query document, e.g. '{"city":"Lisbon"}' (needs --limit)
      --limit N         at most N documents (1 to 100000)
      --field PATH      where the URLs are, e.g. photos.url (repeatable)
      --group TEMPLATE  the group of each document's images (default {collection}/{_id}; {field.path} works)
      --no-wait         print the import's id and return at once
      --json            the finished import as JSON

Examples:
  pixelforge import --db serpy --collection hotels --field photos.url
  pixelforge import --db serpy --collection hotels --filter '{"city":"Lisbon"}' --limit 50 --group '{name}'
  pixelforge imports show <id> --failed

Exit codes: 0 completed (failed URLs are listed), 1 the import failed or was cancelled, or the server refused,
2 bad arguments.`,
  async run(argv) {
    const args = parseCommandArgs(this, argv, {
      source: { type: 'string', default: 'default' },
      db: { type: 'string' },
      collection: { type: 'string' },
      id: { type: 'string' },
      filter: { type: 'string' },
      limit: { type: 'string' },
      field: { type: 'string', multiple: true },
      group: { type: 'string' },
      'no-wait': { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (!args) return 0;
    const v = args.values;
    if (!v.collection) throw new UsageError(`--collection is required\n\n${this.help.trim()}`);
    if (v.id && v.filter) throw new UsageError('give --id or --filter, not both');
    const limit = numberFlag('limit', v.limit, 1, 100_000);
    let scope: unknown;
    if (v.id) scope = { kind: 'document', id: v.id };
    else if (v.filter) {
      if (limit === undefined) throw new UsageError('--filter needs --limit (how many documents at most)');
      let filter: unknown;
      try {
        filter = JSON.parse(v.filter);
      } catch {
        throw new UsageError(`--filter is not JSON: ${v.filter}`);
      }
      scope = { kind: 'filter', filter, limit };
    } else scope = { kind: 'collection', ...(limit !== undefined ? { limit } : {}) };
    const client = await createApiClient();
    const { id } = await client.call<{ id: string }>('/v1/imports', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        source: v.source,
        ...(v.db ? { database: v.db } : {}),
        collection: v.collection,
        scope,
        ...(v.field?.length ? { fields: v.field } : {}),
        ...(v.group ? { group: v.group } : {}),
      }),
    });
    if (v['no-wait']) {
      process.stdout.write(`${id}\n`);
      return 0;
    }
    const view = await followImport(client, id);
    if (v.json) process.stdout.write(`${JSON.stringify(view)}\n`);
    else await printImport(client, view);
    return view.status === 'completed' ? 0 : 1;
  },
};
