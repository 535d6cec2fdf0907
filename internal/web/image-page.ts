// One image: full size, compared with any variant on a before/after slider; metadata and its editing; review
// status (back to new included); delete; the variants with downloads; and enhancement with live progress.
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  ENDED,
  STATUSES,
  after,
  api,
  bytes,
  followJob,
  type Image,
  type Job,
  type Model,
  type Status,
  type Variant,
} from './api.ts';
import { ProgressBar, StatusBadge, TextField, html, seconds, useAction, useNotice, when } from './ui.ts';

const FORMATS = ['png', 'webp', 'jpeg', 'avif'] as const;

/** What a person calls a variant: "WebP", "esrgan-slim ×2". */
function label(image: Image, variant: Variant): string {
  if (variant.kind !== 'enhanced') return variant.name === 'webp' ? 'WebP' : variant.name;
  const scale = Math.round((variant.width / image.width) * 100) / 100;
  return `${variant.model ?? 'enhanced'} ×${scale}`;
}

function Compare({ image, variant }: { image: Image; variant: Variant | null }) {
  const [position, setPosition] = useState(50);
  if (!variant)
    return html`<div class="viewer"><img class="single" src=${image.url} alt=${image.filename} /></div>`;
  return html`<div class="viewer">
    <div class="compare" style=${`aspect-ratio:${image.width}/${image.height}`}>
      <img
        class="after"
        src=${variant.url}
        alt=${`${image.filename}, ${variant.kind} ${label(image, variant)} (${variant.width}×${variant.height})`}
      />
      <img
        class="before"
        src=${image.url}
        alt=${`${image.filename}, original (${image.width}×${image.height})`}
        style=${`clip-path:inset(0 ${100 - position}% 0 0)`}
      />
      <span class="divider" style=${`left:${position}%`} aria-hidden="true"></span>
      <span class="tag left" aria-hidden="true">original</span
      ><span class="tag right" aria-hidden="true">${label(image, variant)}</span>
    </div>
    <label class="slider"
      >Before / after
      <input
        type="range"
        min="0"
        max="100"
        value=${position}
        aria-valuetext=${`${position}% original`}
        onInput=${(e: Event) => setPosition(Number((e.target as HTMLInputElement).value))}
      />
    </label>
  </div>`;
}

function Metadata({ image, onSaved }: { image: Image; onSaved: (seq: number) => void }) {
  const act = useAction();
  const [uploader, setUploader] = useState(image.uploader ?? '');
  const [tags, setTags] = useState(image.tags.join(', '));
  const save = (e: Event) => {
    e.preventDefault();
    void act(async () => {
      const written = await api<{ seq: number }>(`/v1/images/${image.id}`, {
        method: 'PATCH',
        json: {
          ...(uploader.trim() ? { uploader: uploader.trim() } : {}),
          tags: [
            ...new Set(
              tags
                .split(',')
                .map((t) => t.trim())
                .filter(Boolean),
            ),
          ],
        },
      });
      onSaved(written.seq);
    }, 'Saved.');
  };
  return html`<section class="panel" aria-labelledby="meta-title">
    <h2 id="meta-title">Details</h2>
    <dl class="meta">
      <dt>Group</dt>
      <dd>${image.groupName}</dd>
      <dt>Size</dt>
      <dd>${image.width}×${image.height} · ${bytes(image.size)} · ${image.contentType}</dd>
      <dt>Status</dt>
      <dd><${StatusBadge} status=${image.status} /></dd>
      <dt>Uploaded</dt>
      <dd>${when(image.createdAt)}</dd>
      <dt>Changed</dt>
      <dd>${when(image.updatedAt)}</dd>
      <dt>SHA-256</dt>
      <dd class="hash">${image.sha256}</dd>
    </dl>
    <form class="edit" onSubmit=${save}>
      <${TextField} label="Uploader" name="uploader" value=${uploader} onValue=${setUploader} maxlength=${200} />
      <${TextField} label="Tags" name="tags" value=${tags} onValue=${setTags} placeholder="comma, separated" />
      <button type="submit">Save</button>
    </form>
  </section>`;
}

function Enhance({
  image,
  models,
  onFinished,
}: {
  image: Image;
  models: Model[];
  onFinished: (job: Job) => void;
}) {
  const act = useAction();
  const usable = models.filter((m) => m.kind !== 'video');
  const [model, setModel] = useState('');
  const chosen = usable.find((m) => m.name === model) ?? usable[0];
  const [scale, setScale] = useState(0);
  const [format, setFormat] = useState<(typeof FORMATS)[number]>('png');
  const [job, setJob] = useState<Job | null>(null);
  const stop = useRef<(() => void) | null>(null);
  useEffect(() => () => stop.current?.(), []);
  if (!chosen)
    return html`<section class="panel">
      <h2>Enhance</h2>
      <p>No image models are installed.</p>
    </section>`;
  const theScale = chosen.scales.includes(scale) ? scale : chosen.defaultScale;
  const running = job !== null && !ENDED.includes(job.phase);

  const start = (e: Event) => {
    e.preventDefault();
    void act(async () => {
      const accepted = await api<{ id: string }>('/v1/enhancements', {
        method: 'POST',
        json: { imageId: image.id, model: chosen.name, scale: theScale, output: { format } },
      });
      stop.current?.();
      stop.current = followJob(accepted.id, (next) => {
        setJob(next);
        if (next.phase === 'Succeeded') onFinished(next);
      });
    });
  };
  const cancel = () =>
    job && act(() => api(`/v1/enhancements/${job.id}`, { method: 'DELETE' }), 'Cancellation requested.');
  const out = (w: number) => w * theScale;
  return html`<section class="panel" aria-labelledby="enhance-title">
    <h2 id="enhance-title">Enhance</h2>
    <form class="enhance" onSubmit=${start}>
      <label
        >Model
        <select
          name="model"
          value=${chosen.name}
          onChange=${(e: Event) => setModel((e.target as HTMLSelectElement).value)}
        >
          ${usable.map((m) => html`<option value=${m.name}>${m.name} (${m.kind}${m.recommendedProvider === 'gpu' ? ', best on a GPU' : ''})</option>`)}
        </select></label
      >
      <label
        >Scale
        <select
          name="scale"
          value=${theScale}
          onChange=${(e: Event) => setScale(Number((e.target as HTMLSelectElement).value))}
        >
          ${chosen.scales.map((s) => html`<option value=${s}>×${s}</option>`)}
        </select></label
      >
      <label
        >Format
        <select
          name="format"
          value=${format}
          onChange=${(e: Event) => setFormat((e.target as HTMLSelectElement).value as typeof format)}
        >
          ${FORMATS.map((f) => html`<option value=${f}>${f}</option>`)}
        </select></label
      >
      <button type="submit" disabled=${running}>Enhance to ${out(image.width)}×${out(image.height)}</button>
    </form>
    <p class="hint">${chosen.description ?? ''}</p>
    ${
      job &&
      html`<div class="job-live" aria-live="polite">
        <span>Job <a href="#/jobs">${job.id}</a>: <strong class="phase">${job.phase}</strong></span>
        ${(job.phase === 'Running' || job.progress) && html`<${ProgressBar} progress=${job.progress} label="Enhancement progress" />`}
        ${job.phase === 'Succeeded' && job.durationMs != null && html`<span title=${job.device ?? undefined}>in ${seconds(job.durationMs)}${job.provider ? ` on ${job.provider}` : ''}${job.device ? ` (${job.device})` : ''}</span>`}
        ${job.error && html`<span class="error">${job.error.reason}</span>`}
        ${running && html`<button type="button" onClick=${cancel} disabled=${job.cancelRequested}>Cancel</button>`}
      </div>`
    }
  </section>`;
}

function Variants({ image }: { image: Image }) {
  const base = image.filename.replace(/\.[^.]+$/, '');
  const ext = (type: string) => type.split('/')[1]?.replace('jpeg', 'jpg') ?? 'bin';
  return html`<section class="panel" aria-labelledby="variants-title">
    <h2 id="variants-title">Files</h2>
    <div class="table-wrap">
      <table class="variants">
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Pixels</th>
            <th scope="col">File</th>
            <th scope="col"><span class="visually-hidden">Download</span></th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td>original</td>
            <td>${image.width}×${image.height}</td>
            <td>${image.contentType.replace('image/', '')}, ${bytes(image.size)}</td>
            <td>
              <a href=${image.url} download=${image.filename} aria-label="Download the original">Download</a>
            </td>
          </tr>
          ${image.variants.map(
            (v) =>
              html`<tr>
                <td>${label(image, v)}</td>
                <td>${v.width}×${v.height}</td>
                <td>${v.contentType.replace('image/', '')}, ${bytes(v.size)}</td>
                <td>
                  <a
                    href=${v.url}
                    download=${`${base}-${v.name}.${ext(v.contentType)}`}
                    type=${v.contentType}
                    aria-label=${`Download ${label(image, v)}`}
                    >Download</a
                  >
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
  </section>`;
}

export function ImagePage({ id }: { id: string }) {
  const notice = useNotice();
  const act = useAction();
  const [image, setImage] = useState<Image | null>(null);
  const [models, setModels] = useState<Model[]>([]);
  const [compareWith, setCompareWith] = useState<string | null>(null);
  const [missing, setMissing] = useState(false);
  const load = (query = after('?')) =>
    api<Image>(`/v1/images/${id}${query}`).then(setImage, (e: { status?: number }) =>
      e.status === 404 ? setMissing(true) : notice.fail(e),
    );
  useEffect(() => {
    void load();
    api<{ items: Model[] }>('/v1/models').then((m) => setModels(m.items), notice.fail);
  }, [id]);
  if (missing)
    return html`<p class="empty">There is no image ${id}. <a href="#/">Back to the gallery</a></p>`;
  if (!image) return html`<p aria-busy="true">Loading…</p>`;

  const variants = [...image.variants].sort((a, b) =>
    a.kind === b.kind ? 0 : a.kind === 'enhanced' ? -1 : 1,
  );
  const shown = variants.find((v) => v.name === compareWith) ?? variants[0] ?? null;
  const move = (status: Status) =>
    act(async () => {
      const written = await api<{ seq: number }>(`/v1/images/${id}/status`, {
        method: 'PUT',
        json: { status },
      });
      await load(`?after=${written.seq}`);
    }, `Moved to ${status}.`);
  const remove = () => {
    if (!confirm(`Delete ${image.filename} and its variants? This cannot be undone.`)) return;
    void act(async () => {
      await api(`/v1/images/${id}`, { method: 'DELETE' });
      location.hash = '#/';
    });
  };
  // The output is a variant once the projection has it: read again until it appears.
  const finished = async (job: Job) => {
    for (let i = 0; i < 20; i++) {
      const next = await api<Image>(`/v1/images/${id}`);
      if (next.variants.some((v) => v.jobId === job.id)) {
        setImage(next);
        setCompareWith(next.variants.find((v) => v.jobId === job.id)!.name);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  };
  return html`<article class="image-page">
    <nav class="crumbs" aria-label="Breadcrumb">
      <a href="#/">Gallery</a> › ${image.groupName} › <span>${image.filename}</span>
    </nav>
    <h1>${image.filename}</h1>
    <div class="columns">
      <div>
        <${Compare} image=${image} variant=${shown} />
        ${
          variants.length > 1 &&
          html`<label
            >Compare with
            <select
              name="compare"
              value=${shown?.name}
              onChange=${(e: Event) => setCompareWith((e.target as HTMLSelectElement).value)}
            >
              ${variants.map((v) => html`<option value=${v.name}>${label(image, v)} (${v.width}×${v.height})</option>`)}
            </select></label
          >`
        }
        <div class="actions" role="group" aria-label="Review">
          ${STATUSES.filter((s) => s !== image.status).map(
            (s) =>
              html`<button type="button" onClick=${() => move(s)}>
                ${s === 'new' ? 'Back to new' : `Move to ${s}`}
              </button>`,
          )}
          <button type="button" class="danger" onClick=${remove}>Delete</button>
        </div>
      </div>
      <div>
        <${Enhance} image=${image} models=${models} onFinished=${finished} />
        <${Metadata}
          image=${image}
          key=${image.updatedAt}
          onSaved=${(seq: number) => load(`?after=${seq}`)}
        />
        <${Variants} image=${image} />
      </div>
    </div>
  </article>`;
}
