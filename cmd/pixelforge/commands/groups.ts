// `pixelforge groups`: groups by latest change, with their images.
import { createApiClient } from '../../../internal/cli/client.ts';
import { parseCommandArgs, type Command } from '../../../internal/cli/command.ts';

interface GroupPage {
  items: {
    id: string;
    name: string;
    count: number;
    images: { id: string; filename: string; status: string }[];
  }[];
  nextCursor: string | null;
}

export const command: Command = {
  name: 'groups',
  summary: 'list groups with their images',
  help: `Usage: pixelforge groups [--status new|review|accepted|deleted] [--limit N] [--cursor C] [--json]

Groups, most recently changed first, each with its images (only those in --status when given).`,
  async run(argv) {
    const args = parseCommandArgs(this, argv, {
      status: { type: 'string' },
      limit: { type: 'string', default: '20' },
      cursor: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (!args) return 0;
    const { status, limit, cursor, json } = args.values;
    const query = new URLSearchParams({
      limit: limit!,
      ...(status ? { status } : {}),
      ...(cursor ? { cursor } : {}),
    });
    const page = await (await createApiClient()).call<GroupPage>(`/v1/groups?${query}`);
    if (json) {
      process.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
      return 0;
    }
    for (const group of page.items) {
      process.stdout.write(`${group.name} (${group.count})  ${group.id}\n`);
      for (const image of group.images)
        process.stdout.write(`  ${image.id}  ${image.status.padEnd(8)}  ${image.filename}\n`);
    }
    if (page.nextCursor) process.stdout.write(`more: pixelforge groups --cursor ${page.nextCursor}\n`);
    return 0;
  },
};
