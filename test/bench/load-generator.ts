// The load generator: a child process (so it does not share an event loop with what it measures) that sends
// uploads over keep-alive HTTP/1.1 to 127.0.0.1 and prints its samples as one JSON line on stdout.
//
// Usage: node --import tsx test/bench/load-generator.ts '<LoadSpec as JSON>'
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { UPLOAD_CONTENT_TYPE, uploadBody } from './load-multipart.ts';

/** Closed loop: `concurrency` clients, each sending the next upload when the previous one is answered. */
export interface ClosedLoopSpec {
  mode: 'closed';
  /** Base URL, `http://127.0.0.1:<port>`: nothing else is accepted. */
  url: string;
  path: string;
  apiKey?: string;
  /** The text fields of every upload. */
  fields: Record<string, string>;
  /** The JPEG sent as the file part. */
  file: string;
  concurrency: number;
  /** Requests started before this are sent but not measured. */
  warmupMs: number;
  /** No request starts after warm-up + this. */
  durationMs: number;
  /** No more requests than this in all. */
  maxRequests: number;
  timeoutMs: number;
}

/**
 * Open loop: uploads scheduled at a steady `rate` whatever the answers, each followed by a read-your-writes
 * `GET /v1/groups?after=<seq>` until the upload shows up in it (or, with `read: 'image'`, by
 * `GET /v1/images/<id>?after=<seq>`: a point read that costs the database next to nothing).
 */
export interface VisibilitySpec {
  mode: 'visibility';
  url: string;
  apiKey: string;
  file: string;
  read: 'groups' | 'image';
  /** Uploads per second. */
  rate: number;
  durationMs: number;
  /** Upload `i` goes to group `<groupPrefix>-<⌊i / groupSize⌋>`: groups fill one after the other. */
  groupPrefix: string;
  groupSize: number;
  /** `limit` of each groups page; further pages are followed when the upload is not on the first. */
  readLimit: number;
  maxPages: number;
  /** Scheduled uploads beyond this many in flight are dropped (and counted), so the run stays bounded. */
  maxInFlight: number;
  timeoutMs: number;
}

export type LoadSpec = ClosedLoopSpec | VisibilitySpec;

export interface ClosedLoopResult {
  mode: 'closed';
  /** Latency of every measured request that was answered 2xx, in ms. */
  latenciesMs: number[];
  /** Measured requests answered otherwise, by status (`error` for a transport failure). */
  failures: Record<string, number>;
  /** From the end of warm-up to the last measured answer, in ms. */
  windowMs: number;
  /** Requests sent in all, warm-up included. */
  sent: number;
  firstFailure?: string;
}

export interface VisibilitySample {
  /** Wall-clock time (epoch ms) the upload was scheduled for; every latency counts from here. */
  scheduledAt: number;
  /** How late the upload left, after its scheduled time (ms). */
  sendLagMs: number;
  /** Scheduled → 201 (ms). */
  uploadMs: number;
  /** Scheduled → the GET that returned it (ms). */
  visibleMs: number;
  seq: number;
  pages: number;
}

export interface VisibilityResult {
  mode: 'visibility';
  scheduled: number;
  dropped: number;
  /** Uploads that never became visible, or failed, by reason. */
  failures: Record<string, number>;
  firstFailure?: string;
  /** First schedule to last answer, in ms. */
  elapsedMs: number;
  samples: VisibilitySample[];
}

export type LoadResult = ClosedLoopResult | VisibilityResult;

interface Answer {
  status: number;
  body: Buffer;
}

const now = () => performance.timeOrigin + performance.now();

function send(
  agent: Agent,
  url: URL,
  init: { method: string; headers: Record<string, string | number>; body?: Buffer[]; timeoutMs: number },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method: init.method, headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(init.timeoutMs, () => req.destroy(new Error(`no answer within ${init.timeoutMs} ms`)));
    req.on('error', reject);
    for (const piece of init.body ?? []) req.write(piece);
    req.end();
  });
}

function loopbackUrl(base: string, path: string): URL {
  const url = new URL(path, base);
  if (url.hostname !== '127.0.0.1')
    throw new Error(`the load generator only targets 127.0.0.1, not ${url.host}`);
  return url;
}

async function runClosedLoop(spec: ClosedLoopSpec): Promise<ClosedLoopResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: spec.concurrency });
  const url = loopbackUrl(spec.url, spec.path);
  const { pieces, length } = uploadBody(spec.fields, await readFile(spec.file));
  const headers: Record<string, string | number> = {
    'content-type': UPLOAD_CONTENT_TYPE,
    'content-length': length,
    ...(spec.apiKey ? { 'x-api-key': spec.apiKey } : {}),
  };
  const result: ClosedLoopResult = { mode: 'closed', latenciesMs: [], failures: {}, windowMs: 0, sent: 0 };
  const started = now();
  const measureFrom = started + spec.warmupMs;
  const stopAt = measureFrom + spec.durationMs;
  let issued = 0;
  let lastAnswer = measureFrom;
  const client = async () => {
    while (issued < spec.maxRequests && now() < stopAt) {
      issued++;
      const sentAt = now();
      const measured = sentAt >= measureFrom;
      let outcome: string;
      try {
        const answer = await send(agent, url, {
          method: 'POST',
          headers,
          body: pieces,
          timeoutMs: spec.timeoutMs,
        });
        outcome = answer.status >= 200 && answer.status < 300 ? 'ok' : String(answer.status);
        if (outcome !== 'ok')
          result.firstFailure ??= `${answer.status} ${answer.body.toString().slice(0, 300)}`;
      } catch (err) {
        outcome = 'error';
        result.firstFailure ??= (err as Error).message;
      }
      if (!measured) continue;
      lastAnswer = Math.max(lastAnswer, now());
      if (outcome === 'ok') result.latenciesMs.push(now() - sentAt);
      else result.failures[outcome] = (result.failures[outcome] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, client));
  result.windowMs = lastAnswer - measureFrom;
  result.sent = issued;
  agent.destroy();
  return result;
}

async function runVisibility(spec: VisibilitySpec): Promise<VisibilityResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: spec.maxInFlight });
  const file = await readFile(spec.file);
  const result: VisibilityResult = {
    mode: 'visibility',
    scheduled: 0,
    dropped: 0,
    failures: {},
    elapsedMs: 0,
    samples: [],
  };
  const fail = (reason: string, detail: string) => {
    result.failures[reason] = (result.failures[reason] ?? 0) + 1;
    result.firstFailure ??= `${reason}: ${detail}`;
  };
  const auth = { 'x-api-key': spec.apiKey };
  let inFlight = 0;

  const uploadAndRead = async (i: number, scheduledAt: number) => {
    const sendLagMs = now() - scheduledAt;
    const { pieces, length } = uploadBody(
      { group: `${spec.groupPrefix}-${Math.floor(i / spec.groupSize)}` },
      file,
    );
    const up = await send(agent, loopbackUrl(spec.url, '/v1/images'), {
      method: 'POST',
      headers: { ...auth, 'content-type': UPLOAD_CONTENT_TYPE, 'content-length': length },
      body: pieces,
      timeoutMs: spec.timeoutMs,
    });
    if (up.status !== 201) return fail(`upload ${up.status}`, up.body.toString().slice(0, 300));
    const uploadMs = now() - scheduledAt;
    const { id, seq } = JSON.parse(up.body.toString()) as { id: string; seq: number };
    if (spec.read === 'image') {
      const read = await send(agent, loopbackUrl(spec.url, `/v1/images/${id}?after=${seq}`), {
        method: 'GET',
        headers: auth,
        timeoutMs: spec.timeoutMs,
      });
      if (read.status !== 200) return fail(`read ${read.status}`, read.body.toString().slice(0, 300));
      result.samples.push({
        scheduledAt,
        sendLagMs,
        uploadMs,
        visibleMs: now() - scheduledAt,
        seq,
        pages: 1,
      });
      return;
    }
    let cursor: string | null = null;
    for (let pages = 1; pages <= spec.maxPages; pages++) {
      const query = new URLSearchParams({ after: String(seq), limit: String(spec.readLimit) });
      if (cursor) query.set('cursor', cursor);
      const read = await send(agent, loopbackUrl(spec.url, `/v1/groups?${query}`), {
        method: 'GET',
        headers: auth,
        timeoutMs: spec.timeoutMs,
      });
      if (read.status !== 200) return fail(`read ${read.status}`, read.body.toString().slice(0, 300));
      const page = JSON.parse(read.body.toString()) as {
        items: { images: { id: string }[] }[];
        nextCursor: string | null;
      };
      if (page.items.some((g) => g.images.some((image) => image.id === id))) {
        result.samples.push({ scheduledAt, sendLagMs, uploadMs, visibleMs: now() - scheduledAt, seq, pages });
        return;
      }
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    fail('not visible', `${id} (seq ${seq}) was in none of ${spec.maxPages} pages`);
  };

  const started = now();
  const total = Math.round((spec.rate * spec.durationMs) / 1000);
  const running: Promise<void>[] = [];
  await new Promise<void>((done) => {
    const tick = () => {
      while (result.scheduled < total && started + (result.scheduled * 1000) / spec.rate <= now()) {
        const i = result.scheduled++;
        if (inFlight >= spec.maxInFlight) {
          result.dropped++;
          continue;
        }
        inFlight++;
        running.push(
          uploadAndRead(i, started + (i * 1000) / spec.rate)
            .catch((err: Error) => fail('error', err.message))
            .finally(() => inFlight--),
        );
      }
      if (result.scheduled >= total) return done();
      setTimeout(tick, Math.max(0, started + (result.scheduled * 1000) / spec.rate - now()));
    };
    tick();
  });
  await Promise.all(running);
  result.elapsedMs = now() - started;
  agent.destroy();
  return result;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const result = spec.mode === 'closed' ? await runClosedLoop(spec) : await runVisibility(spec);
process.stdout.write(`${JSON.stringify(result)}\n`);
