// `pixelforge images`: images over the HTTP API — list, show, change review status, tag, delete, download.
import { extname } from 'node:path';
import { createApiClient } from '../../../internal/cli/client.ts';
import { UsageError, numberFlag, parseCommandArgs, type Command } from '../../../internal/cli/command.ts';
import { IMAGE_STATUSES } from '../../../internal/images/status.ts';
import type { ImageJson } from '../../../internal/http/schemas.ts';

type Image = ImageJson;

const kib = (bytes: number) =>
  bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(0)} KiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;

const describe = (image: Image) =>
  [
    image.id,
    image.status.padEnd(8),
    `${image.width}×${image.height}`,
    kib(image.size),
    image.groupName,
    image.filename,
    image.tags.length ? `[${image.tags.join(', ')}]` : '',
  ]
    .join('  ')
    .trimEnd();

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/webp': '.webp',
  'image/gif': '.gif',
  'image/avif': '.avif',
};

export const command: Command = {
  name: 'images',
  summary: 'list, show, review, tag, delete or download images on the server',
  help: `Usage: pixelforge images [list] [--group NAME|ID] [--status S] [--limit N] [--cursor C] [--json]
       pixelforge images show <id> [--json]
       pixelforge images status <id> <new|review|accepted|deleted> [--json]
       pixelforge images tag <id> [--tags a,b] [--uploader NAME] [--json]
       pixelforge images download <id> [--variant NAME] [-o FILE] [--force]
       pixelforge images delete <id>

list      newest first; --group takes a group's name or id
status    moves an image through review: new → review → accepted | deleted (and back to new)
tag       replaces the tags (--tags "" clears them) and/or the uploader
download  the original, or a variant (webp, enhanced-<job>); -o defaults to the file's name (the
          variant's name for a variant); an existing file is kept unless --force
delete    removes the image, its variants and its bytes

Examples:
  pixelforge upload holiday/*.jpg --group "Holiday 2026"
  pixelforge images --group "Holiday 2026" --status new
  pixelforge images status 01JCZ3Q4Y8N7X5V2W1T0S9R8P7 accepted
  pixelforge images download 01JCZ3Q4Y8N7X5V2W1T0S9R8P7 --variant webp -o cat.webp

Exit codes: 0 done, 1 the server refused or is unreachable (the reason is printed), 2 bad usage.
Talks to PIXELFORGE_URL.`,
  async run(argv) {
    const args = parseCommandArgs(this, argv, {
      group: { type: 'string', short: 'g' },
      status: { type: 'string' },
      limit: { type: 'string', default: '20' },
      cursor: { type: 'string' },
      json: { type: 'boolean' },
      tags: { type: 'string' },
      uploader: { type: 'string' },
      variant: { type: 'string' },
      output: { type: 'string', short: 'o' },
      force: { type: 'boolean' },
    });
    if (!args) return 0;
    const [action = 'list', ...rest] = args.positionals;
    const { values } = args;
    const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    const needId = () => {
      if (!rest[0]) throw new UsageError(`pixelforge images ${action} needs an image id\n\n${this.help}`);
      return encodeURIComponent(rest[0]);
    };
    const checkStatus = (status: string | undefined, what: string) => {
      if (status !== undefined && !(IMAGE_STATUSES as readonly string[]).includes(status))
        throw new UsageError(
          `${what} must be one of ${IMAGE_STATUSES.join(', ')}, got ${JSON.stringify(status)}`,
        );
      return status;
    };

    switch (action) {
      case 'list': {
        const limit = numberFlag('limit', values.limit, 1, 200)!;
        const status = checkStatus(values.status, '--status');
        const client = await createApiClient();
        const query = new URLSearchParams({
          limit: String(limit),
          ...(values.group ? { group: values.group } : {}),
          ...(status ? { status } : {}),
          ...(values.cursor ? { cursor: values.cursor } : {}),
        });
        const page = await client.call<{ items: Image[]; nextCursor: string | null }>(`/v1/images?${query}`);
        if (values.json) return (print(page), 0);
        if (page.items.length === 0)
          process.stderr.write('no images (upload some: pixelforge upload --help)\n');
        for (const image of page.items) process.stdout.write(`${describe(image)}\n`);
        if (page.nextCursor)
          process.stdout.write(`more: pixelforge images --cursor ${encodeURIComponent(page.nextCursor)}\n`);
        return 0;
      }
      case 'show': {
        const client = await createApiClient();
        const image = await client.call<Image>(`/v1/images/${needId()}`);
        if (values.json) return (print(image), 0);
        process.stdout.write(
          `${describe(image)}\n  type      ${image.contentType}\n  uploader  ${image.uploader ?? '—'}\n` +
            `  created   ${image.createdAt}\n  bytes     ${client.baseUrl}${image.url}\n`,
        );
        for (const v of image.variants)
          process.stdout.write(
            `  ${v.name.padEnd(8)}  ${v.width}×${v.height} ${v.contentType}  ${client.baseUrl}${v.url}\n`,
          );
        return 0;
      }
      case 'status': {
        const id = needId();
        if (!rest[1])
          throw new UsageError(`give the new status (${IMAGE_STATUSES.join(', ')})\n\n${this.help}`);
        const status = checkStatus(rest[1], 'the status');
        const client = await createApiClient();
        const answer = await client.call<{ id: string; status: string; seq: number }>(
          `/v1/images/${id}/status`,
          {
            method: 'PUT',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ status }),
          },
        );
        if (values.json) return (print(answer), 0);
        process.stdout.write(`${answer.id}  ${answer.status}\n`);
        return 0;
      }
      case 'tag': {
        const id = needId();
        if (values.tags === undefined && values.uploader === undefined)
          throw new UsageError(`give --tags and/or --uploader\n\n${this.help}`);
        const body = {
          ...(values.tags !== undefined
            ? {
                tags: values.tags
                  .split(',')
                  .map((t) => t.trim())
                  .filter(Boolean),
              }
            : {}),
          ...(values.uploader !== undefined ? { uploader: values.uploader } : {}),
        };
        const client = await createApiClient();
        const answer = await client.call<{ id: string; seq: number }>(`/v1/images/${id}`, {
          method: 'PATCH',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        if (values.json) return (print({ ...answer, ...body }), 0);
        process.stdout.write(`${answer.id}  updated\n`);
        return 0;
      }
      case 'download': {
        const client = await createApiClient();
        const image = await client.call<Image>(`/v1/images/${needId()}`);
        const variant = values.variant ? image.variants.find((v) => v.name === values.variant) : undefined;
        if (values.variant && !variant)
          throw new UsageError(
            `image ${image.id} has no variant ${JSON.stringify(values.variant)}; it has ${image.variants.map((v) => v.name).join(', ') || 'none'}`,
          );
        const file =
          values.output ??
          (variant
            ? `${image.id}-${variant.name}${EXTENSIONS[variant.contentType] ?? ''}`
            : defaultName(image));
        const bytes = await client.download(variant?.url ?? image.url, file, {
          overwrite: values.force ?? false,
        });
        process.stdout.write(`${file}  ${kib(bytes)}\n`);
        return 0;
      }
      case 'delete': {
        const id = needId();
        const client = await createApiClient();
        await client.call(`/v1/images/${id}`, { method: 'DELETE' });
        process.stdout.write(`image ${rest[0]} deleted\n`);
        return 0;
      }
      default:
        throw new UsageError(`unknown action ${JSON.stringify(action)}\n\n${this.help}`);
    }
  },
};

/** The uploaded file's name without any folder part (the server keeps what the client sent), or `<id>.<ext>`. */
function defaultName(image: Image): string {
  const name = image.filename.split(/[\\/]/).pop() ?? '';
  if (name && name !== '.' && name !== '..')
    return extname(name) ? name : `${name}${EXTENSIONS[image.contentType] ?? ''}`;
  return `${image.id}${EXTENSIONS[image.contentType] ?? ''}`;
}
