// `pixelforge upload <files…> --group G`: streams each file to POST /v1/images.
import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { createApiClient, tooLarge, uploadLimits } from '../../../internal/cli/client.ts';
import { UsageError, parseCommandArgs, type Command } from '../../../internal/cli/command.ts';

export const command: Command = {
  name: 'upload',
  summary: 'upload image files into a group',
  help: `Usage: pixelforge upload <file…> --group <name or id> [--uploader NAME] [--tags a,b]

Uploads each file (streamed from disk) and prints its id. The group is created when the name is new.
Exit code 1 when any file was refused; the reason is printed beside it.`,
  async run(argv) {
    const args = parseCommandArgs(this, argv, {
      group: { type: 'string', short: 'g' },
      uploader: { type: 'string' },
      tags: { type: 'string' },
    });
    if (!args) return 0;
    const { group, uploader, tags } = args.values;
    if (!group) throw new UsageError(`--group is required\n\n${this.help}`);
    if (args.positionals.length === 0) throw new UsageError(`give at least one file\n\n${this.help}`);
    const api = await createApiClient();
    const limits = await uploadLimits(api);
    let failed = 0;
    for (const path of args.positionals) {
      try {
        // Checked here: a server refusing a large body early can only reset the connection mid-send.
        const refusal = tooLarge((await stat(path)).size, limits?.maxUploadBytes);
        if (refusal) throw new Error(refusal);
        const form = new FormData();
        form.append('group', group);
        if (uploader) form.append('uploader', uploader);
        if (tags) form.append('tags', tags);
        form.append('file', await openAsBlob(path), basename(path));
        const image = await api.call<{ id: string; width: number; height: number; contentType: string }>(
          '/v1/images',
          {
            method: 'POST',
            body: form,
          },
        );
        process.stdout.write(`${path}\t${image.id}\t${image.contentType}\t${image.width}×${image.height}\n`);
      } catch (err) {
        failed++;
        process.stderr.write(`${path}\trefused: ${(err as Error).message}\n`);
      }
    }
    return failed ? 1 : 0;
  },
};
