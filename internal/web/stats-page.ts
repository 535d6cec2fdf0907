// Statistics: the images created on each of the last 30 days, stacked by their current status, as a chart
// (SVG, drawn here: no chart library for one picture) with the same numbers in a table for screen readers.
import { useEffect, useState } from 'preact/hooks';
import { STATUSES, after, api, type Status } from './api.ts';
import { html, useNotice } from './ui.ts';

type Day = { day: string } & Record<Status, number>;

const W = 720;
const H = 240;
const PAD = { left: 36, right: 8, top: 8, bottom: 28 };

function Chart({ days }: { days: Day[] }) {
  const total = (d: Day) => STATUSES.reduce((sum, s) => sum + d[s], 0);
  const top = Math.max(1, ...days.map(total));
  const step = (W - PAD.left - PAD.right) / days.length;
  const y = (n: number) => PAD.top + (H - PAD.top - PAD.bottom) * (1 - n / top);
  const ticks = [...new Set([0, Math.round(top / 2), top])];
  return html`<svg
    class="chart"
    viewBox=${`0 0 ${W} ${H}`}
    role="img"
    aria-label=${`Images created per day over the last ${days.length} days, by status`}
  >
    ${ticks.map(
      (t) =>
        html`<g class="tick"
          ><line x1=${PAD.left} x2=${W - PAD.right} y1=${y(t)} y2=${y(t)} />
          <text x=${PAD.left - 6} y=${y(t) + 4} text-anchor="end">${t}</text></g
        >`,
    )}
    ${days.map((d, i) => {
      let base = 0;
      const x = PAD.left + i * step + step * 0.15;
      return html`<g>
        <title>${d.day}: ${STATUSES.map((s) => `${d[s]} ${s}`).join(', ')}</title>
        ${STATUSES.map((s) => {
          const from = base;
          base += d[s];
          return (
            d[s] > 0 &&
            html`<rect
              class=${`bar ${s}`}
              x=${x}
              width=${step * 0.7}
              y=${y(base)}
              height=${y(from) - y(base)}
            />`
          );
        })}
        ${(i % 5 === 0 || i === days.length - 1) && html`<text class="day" x=${x + step * 0.35} y=${H - 8} text-anchor="middle">${d.day.slice(5)}</text>`}
      </g>`;
    })}
  </svg>`;
}

export function StatsPage() {
  const notice = useNotice();
  const [days, setDays] = useState<Day[] | null>(null);
  useEffect(() => {
    api<{ days: Day[] }>(`/v1/statistics/daily?days=30${after('&')}`).then(
      (r) => setDays(r.days),
      notice.fail,
    );
  }, []);
  if (!days) return html`<p aria-busy="true">Loading…</p>`;
  const sums = Object.fromEntries(STATUSES.map((s) => [s, days.reduce((n, d) => n + d[s], 0)])) as Record<
    Status,
    number
  >;
  return html`<section aria-labelledby="stats-title">
    <h1 id="stats-title">Statistics, last 30 days</h1>
    <ul class="legend" id="stats">
      ${STATUSES.map((s) => html`<li><span class=${`swatch ${s}`} aria-hidden="true"></span>${s} <strong>${sums[s]}</strong></li>`)}
    </ul>
    <${Chart} days=${days} />
    <details>
      <summary>The numbers per day</summary>
      <div class="table-wrap">
        <table class="per-day">
          <thead>
            <tr>
              <th scope="col">Day</th>
              ${STATUSES.map((s) => html`<th scope="col">${s}</th>`)}
            </tr>
          </thead>
          <tbody>
            ${[...days].reverse().map(
              (d) =>
                html`<tr>
                  <th scope="row">${d.day}</th>
                  ${STATUSES.map((s) => html`<td>${d[s]}</td>`)}
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
    </details>
    <p class="hint">Images created on each day (UTC), by the status they have now.</p>
  </section>`;
}
