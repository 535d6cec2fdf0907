// `pixelforge upload <files…> --group G`: streams each file to POST /v1/images.
import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { createApiClient, tooLarge, uploadLimits } from '../../../internal/cli/client.ts';
import { UsageError, parseCommandArgs, type Command } from '../../../internal/cli/command.ts';

export const command: Command = {
  name: 'upload',
  summary: 'upload image files into a group',
  help: `Usage: pixelforge upload <file…> --group <name or id> [--uploader NAME] [--tags a,b] [--json]

Uploads each file (streamed from disk) and prints its id. The group is created when the name is new.
A file over the server's limits (GET /v1/info) is refused before it is sent.

Options:
  -g, --group G       the group, by name or id (required)
      --uploader NAME who took or sent the images
      --tags a,b      comma-separated tags
      --json          one JSON object per file, on stdout: the image, or {file, error} when refused

Examples:
  pixelforge upload holiday/*.jpg --group Holiday --tags beach
  pixelforge upload scan.png -g 01JCZ3Q4Y8N7X5V2W1T0S9R8P7 --json

Exit codes: 0 all uploaded, 1 any file was refused (the reason is printed beside it), 2 bad arguments.`,
  async run(argv) {
    const args = parseCommandArgs(this, argv, {
      group: { type: 'string', short: 'g' },
      uploader: { type: 'string' },
      tags: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (!args) return 0;
    const { group, uploader, tags, json } = args.values;
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
        process.stdout.write(
          json
            ? `${JSON.stringify({ file: path, ...image })}\n`
            : `${path}\t${image.id}\t${image.contentType}\t${image.width}×${image.height}\n`,
        );
      } catch (err) {
        failed++;
        const message = (err as Error).message;
        if (json) process.stdout.write(`${JSON.stringify({ file: path, error: message })}\n`);
        process.stderr.write(`${path}\trefused: ${message}\n`);
      }
    }
    return failed ? 1 : 0;
  },
};
