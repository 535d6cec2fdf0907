// The enhancement jobs: phase, progress, attempts, error, duration and where each ran, newest first, with
// cancel; jobs still running follow their event streams, so the page moves as the workers do.
import { useEffect, useState } from 'preact/hooks';
import { ENDED, PHASES, api, followJob, type Job, type Phase } from './api.ts';
import { ProgressBar, html, seconds, useAction, useNotice, when } from './ui.ts';

function Row({ initial }: { initial: Job }) {
  const act = useAction();
  const [job, setJob] = useState(initial);
  useEffect(() => (ENDED.includes(initial.phase) ? undefined : followJob(initial.id, setJob)), [initial.id]);
  const subject = job.imageId
    ? html`<a href=${`#/images/${job.imageId}`}>image</a>`
    : job.videoId
      ? html`<a href=${`/v1/videos/${job.videoId}`}>video</a>`
      : '—';
  return html`<tr class=${`phase-${job.phase}`}>
    <td><code>${job.id}</code></td>
    <td>${subject}</td>
    <td>${job.model ?? '—'}</td>
    <td>
      <span class="phase">${job.phase}</span
      >${job.cancelRequested && !ENDED.includes(job.phase) ? ' (cancelling)' : ''}
    </td>
    <td>
      ${job.phase === 'Running' || job.progress ? html`<${ProgressBar} progress=${job.progress} label=${`Progress of ${job.id}`} />` : '—'}
    </td>
    <td>${job.attempts}</td>
    <td title=${job.device ?? undefined}>
      ${job.durationMs != null ? `${seconds(job.durationMs)}${job.provider ? ` on ${job.provider}` : ''}` : '—'}
    </td>
    <td class="error">${job.error ? `${job.error.code}: ${job.error.reason}` : ''}</td>
    <td>${when(job.createdAt)}</td>
    <td>
      ${
        !ENDED.includes(job.phase) &&
        html`<button
          type="button"
          disabled=${job.cancelRequested}
          aria-label=${`Cancel ${job.id}`}
          onClick=${() =>
            act(async () => {
              await api(`/v1/enhancements/${job.id}`, { method: 'DELETE' });
              setJob({ ...job, cancelRequested: true });
            }, 'Cancellation requested.')}
        >
          Cancel
        </button>`
      }
      ${job.outputUrl && html`<a href=${job.outputUrl} download>Download</a>`}
    </td>
  </tr>`;
}

export function JobsPage() {
  const notice = useNotice();
  const [phase, setPhase] = useState<Phase | ''>('');
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const query = (from: string | null) =>
    `/v1/enhancements?limit=50${phase ? `&phase=${phase}` : ''}${from ? `&cursor=${encodeURIComponent(from)}` : ''}`;
  const [pages, setPages] = useState(1);
  useEffect(() => {
    const first = () =>
      api<{ items: Job[]; next: string | null }>(query(null)).then((page) => {
        setJobs(page.items);
        setCursor(page.next);
      }, notice.fail);
    void first();
    // New jobs (from the CLI, kubectl, another tab) appear without a reload while only the first page is shown.
    if (pages > 1) return;
    const timer = setInterval(() => document.visibilityState === 'visible' && void first(), 3000);
    return () => clearInterval(timer);
  }, [phase, pages]);
  return html`<section aria-labelledby="jobs-title">
    <div class="toolbar">
      <h1 id="jobs-title">Enhancement jobs</h1>
      <label
        >Phase
        <select
          value=${phase}
          onChange=${(e: Event) => {
            setPages(1);
            setPhase((e.target as HTMLSelectElement).value as Phase | '');
          }}
        >
          <option value="">all</option>
          ${PHASES.map((p) => html`<option value=${p}>${p}</option>`)}
        </select></label
      >
    </div>
    ${
      jobs === null
        ? html`<p aria-busy="true">Loading…</p>`
        : jobs.length === 0
          ? html`<p class="empty">No jobs${phase ? ` ${phase}` : ''}. Start one from an image's page.</p>`
          : html`<div class="table-wrap">
              <table class="jobs">
                <thead>
                  <tr>
                    ${['Job', 'Of', 'Model', 'Phase', 'Progress', 'Attempts', 'Took', 'Error', 'Created', ''].map((h) => html`<th scope="col">${h}</th>`)}
                  </tr>
                </thead>
                <tbody>
                  ${jobs.map((j) => html`<${Row} initial=${j} key=${j.id} />`)}
                </tbody>
              </table>
            </div>`
    }
    ${
      cursor &&
      html`<button
        type="button"
        onClick=${() =>
          api<{ items: Job[]; next: string | null }>(query(cursor)).then((page) => {
            setJobs([...(jobs ?? []), ...page.items]);
            setCursor(page.next);
            setPages(pages + 1);
          }, notice.fail)}
      >
        More jobs
      </button>`
    }
  </section>`;
}
