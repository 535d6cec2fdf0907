// The gallery: upload (drag and drop, several files, progress per file), the groups with their images by
// status (lazy, WebP when there is one), the review buttons, and the videos with their posters and upscaling.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import {
  STATUSES,
  after,
  api,
  bytes,
  followJob,
  upload,
  type Group,
  type Image,
  type Info,
  type Job,
  type Status,
  type Video,
} from './api.ts';
import { ProgressBar, StatusBadge, TextField, html, useAction, useNotice } from './ui.ts';

const VIDEO_NAME = /\.(mp4|mov|mkv|webm|avi|m4v)$/i;
const isVideo = (file: File) => file.type.startsWith('video/') || VIDEO_NAME.test(file.name);

interface Sending {
  file: File;
  fraction: number;
  state: 'waiting' | 'sending' | 'done' | 'failed';
  message?: string;
  imageId?: string;
}

function Uploader({ groups, onUploaded }: { groups: Group[]; onUploaded: () => void }) {
  const notice = useNotice();
  const [info, setInfo] = useState<Info | null>(null);
  const [sending, setSending] = useState<Sending[]>([]);
  const [over, setOver] = useState(false);
  const [group, setGroup] = useState('');
  const [uploader, setUploader] = useState('');
  const [tags, setTags] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    api<Info>('/v1/info').then(setInfo, notice.fail);
  }, []);

  async function send(files: File[]) {
    if (files.length === 0) return;
    const rows: Sending[] = files.map((file) => ({ file, fraction: 0, state: 'waiting' }));
    setSending(rows);
    const redraw = () => setSending([...rows]);
    let failures = 0;
    for (const row of rows) {
      const video = isVideo(row.file);
      const limit = video ? info?.limits.maxVideoBytes : info?.limits.maxUploadBytes;
      const fail = (message: string) => {
        Object.assign(row, { state: 'failed', message });
        failures++;
        redraw();
      };
      if (limit && row.file.size > limit) {
        fail(`too large: ${bytes(row.file.size)} (limit ${bytes(limit)})`);
        continue;
      }
      if (!video && !group.trim()) {
        fail('give a group for images');
        continue;
      }
      row.state = 'sending';
      redraw();
      try {
        const fields: Record<string, string> = video ? {} : { group: group.trim(), uploader, tags };
        const made = await upload<{ id: string }>(
          video ? '/v1/videos' : '/v1/images',
          row.file,
          fields,
          (f) => {
            row.fraction = f;
            redraw();
          },
        );
        Object.assign(row, { state: 'done', fraction: 1, imageId: video ? undefined : made.id });
        redraw();
      } catch (error) {
        fail(error instanceof Error ? error.message : String(error));
      }
    }
    if (failures === 0) notice.done(`Uploaded ${rows.length} file${rows.length > 1 ? 's' : ''}.`);
    else notice.fail(new Error(`${failures} of ${rows.length} uploads failed: see the list below the form.`));
    onUploaded();
  }

  const drop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    void send(Array.from(e.dataTransfer?.files ?? []));
  };
  return html`<section class="panel" aria-labelledby="upload-title">
    <h2 id="upload-title">Upload</h2>
    <form
      id="up"
      class="upload"
      onSubmit=${(e: Event) => {
        e.preventDefault();
        void send(Array.from(input.current?.files ?? []));
      }}
    >
      <div class="fields">
        <${TextField} label="Group" name="group" value=${group} onValue=${setGroup} placeholder="e.g. Holiday" list="group-names" />
        <datalist id="group-names">${groups.map((g) => html`<option value=${g.name} />`)}</datalist>
        <${TextField} label="Uploader" name="uploader" value=${uploader} onValue=${setUploader} maxlength=${200} />
        <${TextField} label="Tags" name="tags" value=${tags} onValue=${setTags} placeholder="comma, separated" />
      </div>
      <label
        class=${over ? 'drop over' : 'drop'}
        onDragOver=${(e: DragEvent) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave=${() => setOver(false)}
        onDrop=${drop}
      >
        <span>Drop images or videos here, or <u>choose files</u></span>
        <span class="hint"
          >${info ? `Images up to ${bytes(info.limits.maxUploadBytes)} and ${(info.limits.maxPixels / 1e6).toFixed(0)} MP${info.limits.maxVideoBytes ? `, videos up to ${bytes(info.limits.maxVideoBytes)}` : ''}. Images need a group.` : ''}</span
        >
        <input
          ref=${input}
          type="file"
          name="file"
          accept="image/*,video/*"
          multiple
          class="visually-hidden"
        />
      </label>
      <button type="submit">Upload</button>
    </form>
    ${
      sending.length > 0 &&
      html`<ul class="sending" aria-label="Uploads">
        ${sending.map(
          (row) =>
            html`<li class=${row.state}>
              <span class="name">${row.file.name}</span>
              <progress max="1" value=${row.fraction} aria-label=${`Upload of ${row.file.name}`}></progress>
              <span class="state"
                >${row.state === 'failed' ? row.message : row.state === 'done' && row.imageId ? html`<a href=${`#/images/${row.imageId}`}>done, open</a>` : row.state}</span
              >
            </li>`,
        )}
      </ul>`
    }
  </section>`;
}

function Figure({ image, onChanged }: { image: Image; onChanged: () => void }) {
  const act = useAction();
  const webp = image.variants.find((v) => v.name === 'webp');
  const enhanced = image.variants.filter((v) => v.kind === 'enhanced').length;
  const move = (status: Status) =>
    act(async () => {
      await api(`/v1/images/${image.id}/status`, { method: 'PUT', json: { status } });
      onChanged();
    });
  return html`<figure>
    <a href=${`#/images/${image.id}`} aria-label=${`Open ${image.filename}`}>
      <picture>
        ${webp && html`<source type="image/webp" srcset=${webp.url} />`}
        <img
          loading="lazy"
          decoding="async"
          src=${image.url}
          alt=${image.filename}
          width=${image.width}
          height=${image.height}
        />
      </picture>
    </a>
    <figcaption>
      <span class="name">${image.filename}</span>
      <span
        ><${StatusBadge} status=${image.status} />
        ${image.width}×${image.height}${enhanced ? ` · ${enhanced} enhanced` : ''}</span
      >
      <span class="acts"
        >${STATUSES.filter((s) => s !== image.status).map(
          (s) =>
            html`<button
              type="button"
              onClick=${() => move(s)}
              aria-label=${`Move ${image.filename} to ${s}`}
            >
              ${s}
            </button>`,
        )}</span
      >
    </figcaption>
  </figure>`;
}

function VideoFigure({ video }: { video: Video }) {
  const act = useAction();
  const [job, setJob] = useState<Job | null>(null);
  useEffect(() => () => closer.current?.(), []);
  const closer = useRef<(() => void) | null>(null);
  const upscale = () =>
    act(async () => {
      const started = await api<{ id: string }>('/v1/enhancements', {
        method: 'POST',
        json: { videoId: video.id, model: 'video', scale: 2 },
      });
      closer.current = followJob(started.id, setJob);
    });
  return html`<figure>
    <video
      controls
      preload="none"
      playsinline
      src=${video.url}
      poster=${video.posterUrl ?? undefined}
      aria-label=${video.filename}
    ></video>
    <figcaption>
      <span class="name">${video.filename}</span>
      <span
        >${`${video.width}×${video.height} · ${+video.fps.toFixed(3)} fps · ${video.durationSeconds.toFixed(1)} s`}</span
      >
      <span class="acts"
        ><button
          type="button"
          onClick=${upscale}
          disabled=${job && !['Succeeded', 'Failed', 'Cancelled'].includes(job.phase)}
        >
          Upscale ×2
        </button></span
      >
      <span class="job">
        ${video.variants.filter((v) => v.kind === 'enhanced').map((v) => html`<a href=${v.url} download>${v.width}×${v.height}</a> `)}
        ${
          job &&
          html`<span class="phase">${job.phase}</span>
            ${job.progress ? ` ${job.progress.done}/${job.progress.total} ${job.progress.unit}` : ''}
            ${job.phase === 'Running' && html`<${ProgressBar} progress=${job.progress} label=${`Upscale of ${video.filename}`} />`}
            ${job.outputUrl && html` <a href=${job.outputUrl} download>download</a>`}
            ${job.error && `: ${job.error.reason}`}`
        }
      </span>
    </figcaption>
  </figure>`;
}

export function Gallery() {
  const notice = useNotice();
  const [status, setStatus] = useState<Status | ''>('');
  const [groups, setGroups] = useState<Group[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [videos, setVideos] = useState<Video[]>([]);
  const [version, setVersion] = useState(0);
  const reload = useCallback(() => setVersion((v) => v + 1), []);

  const page = async (from: string | null) => {
    const query = `limit=20${status ? `&status=${status}` : ''}${from ? `&cursor=${encodeURIComponent(from)}` : ''}${after('&')}`;
    return api<{ items: Group[]; nextCursor: string | null }>(`/v1/groups?${query}`);
  };
  useEffect(() => {
    let live = true;
    page(null).then((p) => {
      if (!live) return;
      setGroups(p.items);
      setCursor(p.nextCursor);
    }, notice.fail);
    api<{ items: Video[] }>(`/v1/videos?limit=20${after('&')}`).then(
      (p) => live && setVideos(p.items),
      notice.fail,
    );
    return () => {
      live = false;
    };
  }, [status, version]);
  // A poster is made a moment after a video upload: look again while one is missing.
  useEffect(() => {
    if (!videos.some((v) => !v.posterUrl)) return;
    const timer = setTimeout(reload, 2000);
    return () => clearTimeout(timer);
  }, [videos]);

  const shown = groups.filter((g) => g.images.length > 0);
  const empty = groups.filter((g) => g.images.length === 0);
  return html` <${Uploader} groups=${groups} onUploaded=${reload} />
    <section aria-labelledby="gallery-title">
      <div class="toolbar">
        <h2 id="gallery-title">Groups</h2>
        <label
          >Status
          <select
            id="status"
            value=${status}
            onChange=${(e: Event) => setStatus((e.target as HTMLSelectElement).value as Status | '')}
          >
            <option value="">all</option>
            ${STATUSES.map((s) => html`<option value=${s}>${s}</option>`)}
          </select></label
        >
      </div>
      <div id="groups">
        ${shown.map(
          (g) =>
            html`<section class="group" aria-label=${g.name}>
              <h3>${g.name} <span class="count">(${g.count})</span></h3>
              <div class="grid">
                ${g.images.map((i) => html`<${Figure} image=${i} key=${i.id} onChanged=${reload} />`)}
              </div>
            </section>`,
        )}
        ${shown.length === 0 && html`<p class="empty">${status ? `No images are ${status}.` : 'No images yet: upload some above.'}</p>`}
      </div>
      ${
        cursor &&
        html`<button
          type="button"
          id="more"
          onClick=${() =>
            page(cursor).then((p) => {
              setGroups([...groups, ...p.items]);
              setCursor(p.nextCursor);
            }, notice.fail)}
        >
          More groups
        </button>`
      }
      ${
        empty.length > 0 &&
        !status &&
        html`<details class="empty-groups">
          <summary>${empty.length} empty group${empty.length > 1 ? 's' : ''}</summary>
          <ul>
            ${empty.map((g) => html`<li>${g.name}</li>`)}
          </ul>
        </details>`
      }
    </section>
    ${
      videos.length > 0 &&
      html`<section id="videos" aria-labelledby="videos-title">
        <h2 id="videos-title">Videos</h2>
        <div class="grid">${videos.map((v) => html`<${VideoFigure} video=${v} key=${v.id} />`)}</div>
      </section>`
    }`;
}
