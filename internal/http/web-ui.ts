// The web UI: one self-contained page (no build step, no external assets) on top of the HTTP API —
// upload, a lazy-loading gallery by group (WebP variants when present), the review workflow, and videos with
// their posters, a player, and an upscale button that follows the job's frames.
import { z } from '@hono/zod-openapi';
import type { App } from './context.ts';

const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Pixelforge</title>
<style>
body{font:15px system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{display:flex;gap:1rem;align-items:center;padding:.75rem 1rem;background:#1d2330;color:#fff;flex-wrap:wrap}
header h1{font-size:1.1rem;margin:0}header input,header select,header button{font:inherit}
main{padding:1rem}section{margin-bottom:1.5rem}h2{font-size:1rem;margin:.25rem 0}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:.75rem}
figure{margin:0;background:#fff;border:1px solid #ddd;border-radius:6px;overflow:hidden}
figure img{width:100%;height:150px;object-fit:cover;display:block;background:#eee}
figcaption{padding:.4rem;font-size:12px;display:flex;flex-direction:column;gap:.3rem}
.st{display:inline-block;padding:1px 6px;border-radius:3px;background:#ddd}.accepted{background:#bfe6c8}
.review{background:#ffe3a6}.deleted{background:#f3c0c0}#msg{min-height:1.2rem;color:#b00}a{color:#8cf}
figure video{width:100%;height:150px;display:block;background:#111;object-fit:contain}figcaption a{color:#06c}
</style></head><body>
<header><h1>Pixelforge</h1>
<form id="up"><input type="file" name="file" accept="image/*,video/*" required multiple>
<input name="group" placeholder="group (images)"><button>Upload</button></form>
<label>Status <select id="status"><option value="">all</option><option>new</option><option>review</option>
<option>accepted</option><option>deleted</option></select></label>
<input id="key" type="password" placeholder="API key" size="14"><a href="/docs">API</a></header>
<main><div id="msg"></div><div id="stats"></div><section id="videos" hidden><h2>Videos</h2><div class="grid"></div></section>
<div id="groups"></div><button id="more" hidden>More</button></main>
<script type="module">
const $ = (s) => document.querySelector(s);
const key = $('#key'); key.value = localStorage.getItem('pf-key') || '';
key.onchange = () => localStorage.setItem('pf-key', key.value);
const say = (t) => ($('#msg').textContent = t || '');
let cursor = null, lastSeq = 0;
async function api(path, init = {}) {
  const res = await fetch(path, { ...init, headers: { 'X-API-Key': key.value, ...(init.headers || {}) } });
  const body = res.status === 204 ? null : await res.json();
  if (!res.ok) throw new Error(body.message || res.statusText);
  return body;
}
const q = () => { const s = $('#status').value; return (s ? '&status=' + s : '') + (lastSeq ? '&after=' + lastSeq : ''); };
function figure(img) {
  const webp = img.variants.find((v) => v.name === 'webp');
  const f = document.createElement('figure');
  f.innerHTML = '<picture>' + (webp ? '<source type="image/webp" srcset="' + webp.url + '">' : '') +
    '<img loading="lazy" decoding="async" width="' + img.width + '" height="' + img.height + '"></picture>' +
    '<figcaption><span></span><span><span class="st ' + img.status + '">' + img.status + '</span> ' + img.width + '×' + img.height +
    '</span><span class="acts"></span></figcaption>';
  f.querySelector('img').src = img.url; f.querySelector('img').alt = img.filename;
  f.querySelector('figcaption span').textContent = img.filename;
  for (const s of ['review', 'accepted', 'deleted']) {
    if (s === img.status) continue;
    const b = document.createElement('button'); b.textContent = s;
    b.onclick = async () => { try { lastSeq = (await api('/v1/images/' + img.id + '/status', { method: 'PUT',
      headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: s }) })).seq; await load(true); } catch (e) { say(e.message); } };
    f.querySelector('.acts').append(b);
  }
  return f;
}
async function load(reset) {
  if (reset) { cursor = null; $('#groups').textContent = ''; }
  const page = await api('/v1/groups?limit=10' + q() + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
  for (const g of page.items) {
    const s = document.createElement('section'); const h = document.createElement('h2');
    h.textContent = g.name + ' (' + g.count + ')'; const grid = document.createElement('div'); grid.className = 'grid';
    g.images.forEach((i) => grid.append(figure(i))); s.append(h, grid); $('#groups').append(s);
  }
  cursor = page.nextCursor; $('#more').hidden = !cursor;
  const st = await api('/v1/statistics?days=30' + (lastSeq ? '&after=' + lastSeq : ''));
  $('#stats').textContent = 'Last 30 days: ' + Object.entries(st).map(([k, v]) => k + ' ' + v).join(' · ');
}
const secs = (n) => n.toFixed(1) + ' s';
function videoFigure(v) {
  const f = document.createElement('figure');
  f.innerHTML = '<video controls preload="none" playsinline></video><figcaption><span class="name"></span>' +
    '<span>' + v.width + '×' + v.height + ' · ' + +v.fps.toFixed(3) + ' fps · ' + secs(v.durationSeconds) + '</span>' +
    '<span class="acts"><button>Upscale ×2</button></span><span class="job"></span></figcaption>';
  const video = f.querySelector('video');
  video.src = v.url; if (v.posterUrl) video.poster = v.posterUrl;
  f.querySelector('.name').textContent = v.filename;
  const job = f.querySelector('.job');
  for (const out of v.variants.filter((x) => x.kind === 'enhanced')) {
    const a = document.createElement('a'); a.href = out.url; a.textContent = out.width + '×' + out.height; a.download = '';
    job.append(a, ' ');
  }
  f.querySelector('button').onclick = async () => {
    try {
      const started = await api('/v1/enhancements', { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ videoId: v.id, model: 'video', scale: 2 }) });
      for (;;) {
        const j = await api(started.url);
        job.textContent = j.phase + (j.progress ? ' ' + j.progress.done + '/' + j.progress.total + ' ' + j.progress.unit : '');
        if (j.phase === 'Succeeded') { const a = document.createElement('a'); a.href = j.outputUrl; a.textContent = 'download'; a.download = ''; job.append(' ', a); break; }
        if (j.phase === 'Failed' || j.phase === 'Cancelled') { job.textContent += ': ' + ((j.error && j.error.reason) || ''); break; }
        await new Promise((r) => setTimeout(r, 1000));
      }
    } catch (e) { say(e.message); }
  };
  return f;
}
async function loadVideos(retries = 10) {
  const page = await api('/v1/videos?limit=20' + (lastSeq ? '&after=' + lastSeq : ''));
  const grid = $('#videos .grid'); grid.textContent = '';
  page.items.forEach((v) => grid.append(videoFigure(v)));
  $('#videos').hidden = page.items.length === 0;
  // A poster is made a moment after the upload: look again, a few times.
  if (retries > 0 && page.items.some((v) => !v.posterUrl)) setTimeout(() => loadVideos(retries - 1).catch((e) => say(e.message)), 2000);
}
$('#more').onclick = () => load(false).catch((e) => say(e.message));
$('#status').onchange = () => load(true).catch((e) => say(e.message));
$('#up').onsubmit = async (e) => {
  e.preventDefault(); say('');
  const form = e.target;
  for (const file of form.file.files) {
    const isVideo = file.type.startsWith('video/') || /\\.(mp4|mov|mkv|webm|avi)$/i.test(file.name);
    if (!isVideo && !form.group.value) { say(file.name + ': give a group for images'); continue; }
    const body = new FormData(); if (!isVideo) body.append('group', form.group.value); body.append('file', file);
    try { lastSeq = (await api(isVideo ? '/v1/videos' : '/v1/images', { method: 'POST', body })).seq; } catch (err) { say(file.name + ': ' + err.message); }
  }
  await Promise.all([load(true), loadVideos()]).catch((err) => say(err.message));
};
load(true).catch((e) => say(e.message));
loadVideos().catch((e) => say(e.message));
</script></body></html>`;

export function registerWebUi(app: App): void {
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/',
    summary: 'The web UI: the gallery, review and statistics (HTML)',
    responses: { 200: { description: 'HTML', content: { 'text/html': { schema: z.string() } } } },
  });
  app.get('/', (c) => c.html(PAGE));
}
