// Opens an image download for the importer over node:http(s): every address it connects to is checked
// against the address policy (the DNS answer through `lookup`, so a name cannot resolve to one address for the
// check and another for the connection; IP literals before any request), redirects are followed by hand (at
// most 5, each checked again), and the connect, the headers and the whole body each have a deadline. The body
// comes back as a stream: the caller pipes it through the upload inspector into the blob store.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { refusedAddress } from '../../imports/address-policy.ts';

export type DownloadFailure =
  'refused' | 'timeout' | 'connection' | 'dns' | 'http' | 'too_large' | 'redirects' | 'cancelled';

/** A download that did not start or did not finish, with whether trying again may help and when. */
export class DownloadError extends Error {
  override name = 'DownloadError';
  readonly kind: DownloadFailure;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  constructor(
    kind: DownloadFailure,
    message: string,
    retryable: boolean,
    extra: { status?: number; retryAfterMs?: number } = {},
  ) {
    super(message);
    this.kind = kind;
    this.retryable = retryable;
    this.status = extra.status;
    this.retryAfterMs = extra.retryAfterMs;
  }
}

export interface DownloadOptions {
  /** Connect to private, loopback and link-local addresses too (tests, a laptop's own servers). */
  allowPrivate?: boolean;
  /** CIDRs allowed even though private (an operator's own image server). */
  allowAddresses?: readonly string[];
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  /** The whole download, headers included. */
  totalTimeoutMs?: number;
  maxRedirects?: number;
  /** A declared Content-Length above this is refused before the body is read. */
  maxBytes: number;
  signal?: AbortSignal;
  userAgent?: string;
  /** Name resolution (tests resolve made-up names); node's dns.lookup by default. */
  resolve?: typeof dnsLookup;
  /**
   * Keep-alive connections to reuse (`createDownloadAgents`); a new connection per download without. A kept
   * connection was checked against the address policy when it was made, so downloads that share agents must
   * share that policy (`allowPrivate`, `allowAddresses`, `resolve`).
   */
  agents?: DownloadAgents;
}

export interface DownloadAgents {
  http: http.Agent;
  https: https.Agent;
  /** Closes the idle connections. */
  destroy(): void;
}

/**
 * Keep-alive agents for one address policy: a host's connections are reused (LIFO, so the fewest stay
 * open), idle ones close after `idleMs`.
 */
export function createDownloadAgents({
  idleMs = 15_000,
  perHost = Infinity,
  total = Infinity,
}: {
  idleMs?: number;
  /** Connections at most per host (and port): the downloads' own cap, so a host sees no more than that. */
  perHost?: number;
  total?: number;
} = {}): DownloadAgents {
  const options = {
    keepAlive: true,
    scheduling: 'lifo' as const,
    timeout: idleMs,
    maxSockets: perHost,
    maxTotalSockets: total,
  };
  const agents = { http: new http.Agent(options), https: new https.Agent(options) };
  return {
    ...agents,
    destroy() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

export interface OpenedDownload {
  /** The URL the body came from, after redirects. */
  finalUrl: string;
  status: number;
  contentType: string | null;
  etag: string | null;
  lastModified: string | null;
  contentLength: number | null;
  /** The body; destroyed with a DownloadError('timeout') when the total deadline passes. */
  body: IncomingMessage;
}

const DEFAULTS = {
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 15_000,
  totalTimeoutMs: 120_000,
  maxRedirects: 5,
};
const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);
const RETRYABLE_ERRORS = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** The wait a `Retry-After` header asks for, in ms (seconds or an HTTP date); undefined when absent or odd. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export async function openDownload(url: string, options: DownloadOptions): Promise<OpenedDownload> {
  const o = { ...DEFAULTS, ...options };
  const allowed = new BlockList();
  for (const cidr of o.allowAddresses ?? []) {
    const [network, prefix] = cidr.split('/');
    const family = isIP(network!) === 6 ? 'ipv6' : 'ipv4';
    allowed.addSubnet(network!, Number(prefix ?? (family === 'ipv6' ? 128 : 32)), family);
  }
  const refusal = (address: string): string | null => {
    if (o.allowPrivate) return null;
    const bare = address.replace(/^\[|\]$/g, '');
    if (allowed.check(bare, isIP(bare) === 6 ? 'ipv6' : 'ipv4')) return null;
    return refusedAddress(bare);
  };
  const deadline = Date.now() + o.totalTimeoutMs;
  let current = url;
  for (let redirects = 0; ; redirects++) {
    const response = await request(current, o, refusal, deadline);
    const location = response.headers.location;
    if (response.statusCode! >= 300 && response.statusCode! < 400 && location) {
      response.resume();
      if (redirects >= o.maxRedirects)
        throw new DownloadError(
          'redirects',
          `more than ${o.maxRedirects} redirects (last to ${location})`,
          false,
        );
      let next: URL;
      try {
        next = new URL(location, current);
      } catch {
        throw new DownloadError('http', `the redirect to ${JSON.stringify(location)} is not a URL`, false);
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:')
        throw new DownloadError(
          'refused',
          `a redirect to ${next.protocol} is not followed (http and https only)`,
          false,
        );
      current = next.href;
      continue;
    }
    const status = response.statusCode!;
    if (status < 200 || status >= 300) {
      response.resume();
      const retryable = RETRYABLE_STATUS.has(status);
      const wait = retryAfterMs(response.headers['retry-after']);
      throw new DownloadError('http', `the server answered HTTP ${status}`, retryable, {
        status,
        ...(wait !== undefined ? { retryAfterMs: wait } : {}),
      });
    }
    const length = response.headers['content-length'];
    const contentLength = length !== undefined && /^\d+$/.test(length) ? Number(length) : null;
    if (contentLength !== null && contentLength > o.maxBytes) {
      response.destroy();
      throw new DownloadError(
        'too_large',
        `the server declares ${contentLength} bytes; at most ${o.maxBytes} are accepted`,
        false,
      );
    }
    return {
      finalUrl: current,
      status,
      contentType: response.headers['content-type'] ?? null,
      etag: (response.headers.etag as string | undefined) ?? null,
      lastModified: response.headers['last-modified'] ?? null,
      contentLength,
      body: response,
    };
  }
}

/** One request: resolves with the response head, or rejects with a DownloadError saying what went wrong. */
function request(
  url: string,
  o: typeof DEFAULTS & DownloadOptions,
  refusal: (address: string) => string | null,
  deadline: number,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return reject(new DownloadError('http', `${JSON.stringify(url)} is not a URL`, false));
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:')
      return reject(
        new DownloadError('refused', `${target.protocol} URLs are not fetched (http and https only)`, false),
      );
    const literal = target.hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal)) {
      const why = refusal(literal);
      if (why) return reject(new DownloadError('refused', `${target.host} is ${why}; not fetched`, false));
    }
    const lookup: LookupFunction = (hostname, options, callback) => {
      (o.resolve ?? dnsLookup)(hostname, { ...options, all: true }, (err, addresses) => {
        if (err) return callback(err, '', 4);
        const all = addresses as unknown as LookupAddress[];
        const usable = all.filter((a) => !refusal(a.address));
        if (usable.length === 0) {
          const error = Object.assign(
            new Error(
              `${hostname} resolves to ${all[0]?.address ?? 'nothing'}, ${refusal(all[0]?.address ?? '') ?? 'no address'}; not fetched`,
            ),
            { code: 'EPF_REFUSED' },
          );
          return callback(error, '', 4);
        }
        if ((options as { all?: boolean }).all)
          return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
        callback(null, usable[0]!.address, usable[0]!.family);
      });
    };
    let settled = false;
    const fail = (error: DownloadError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(error);
    };
    const secure = target.protocol === 'https:';
    const req = (secure ? https : http).request(target, {
      lookup,
      agent: (secure ? o.agents?.https : o.agents?.http) ?? false,
      headers: {
        'user-agent': o.userAgent ?? 'Pixelforge-Importer/1',
        accept: 'image/avif,image/webp,image/png,image/jpeg,image/gif,image/*;q=0.8',
      },
      ...(o.signal ? { signal: o.signal } : {}),
    });
    // Connect first, then the headers; the total deadline also bounds the body (below).
    let timer = setTimeout(
      () =>
        fail(
          new DownloadError(
            'timeout',
            `no connection to ${target.host} within ${o.connectTimeoutMs} ms`,
            true,
          ),
        ),
      Math.min(o.connectTimeoutMs, deadline - Date.now()),
    );
    req.once('socket', (socket) => {
      const connected = () => {
        clearTimeout(timer);
        timer = setTimeout(
          () =>
            fail(
              new DownloadError(
                'timeout',
                `no answer from ${target.host} within ${o.headersTimeoutMs} ms`,
                true,
              ),
            ),
          Math.max(0, Math.min(o.headersTimeoutMs, deadline - Date.now())),
        );
      };
      if (!socket.connecting) connected();
      else socket.once(secure ? 'secureConnect' : 'connect', connected);
    });
    req.once('response', (response) => {
      if (settled) return response.destroy();
      settled = true;
      clearTimeout(timer);
      const left = deadline - Date.now();
      const bodyTimer = setTimeout(
        () =>
          response.destroy(
            new DownloadError('timeout', `the body did not arrive within ${o.totalTimeoutMs} ms`, true),
          ),
        Math.max(0, left),
      );
      response.once('close', () => clearTimeout(bodyTimer));
      response.once('end', () => clearTimeout(bodyTimer));
      resolve(response);
    });
    req.once('error', (err: NodeJS.ErrnoException) => {
      if (o.signal?.aborted) return fail(new DownloadError('cancelled', 'the import was cancelled', false));
      if (err.code === 'EPF_REFUSED') return fail(new DownloadError('refused', err.message, false));
      if (err.code === 'ENOTFOUND')
        return fail(new DownloadError('dns', `${target.hostname} does not resolve`, false));
      const retryable = RETRYABLE_ERRORS.has(err.code ?? '');
      fail(
        new DownloadError(
          err.code === 'EAI_AGAIN' ? 'dns' : 'connection',
          `${target.host}: ${err.message}`,
          retryable,
        ),
      );
    });
    req.end();
  });
}
