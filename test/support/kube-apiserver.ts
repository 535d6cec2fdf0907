// Starts a real etcd + kube-apiserver pair for tests, envtest-style: no kubelet, scheduler or controllers.
// With `controllers: true` it also runs kube-controller-manager (the job, garbage-collector, ttl-after-finished
// and namespace controllers) and kube-scheduler, so Jobs become pods that are placed on nodes (a kubelet is still missing:
// see fake-kubelet.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPair, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { request, type RequestOptions } from 'node:https';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { freePort } from '../../internal/adapters/local-servers/free-port.ts';
import { stopProcess } from '../../internal/adapters/local-servers/process.ts';

const wrapperDir = fileURLToPath(new URL('./kube/', import.meta.url));

/** A running control plane; `await using` stops it and deletes its data. */
export interface KubeTestEnv extends AsyncDisposable {
  /** A kubeconfig file for the admin user (group `system:masters`), e.g. for `KUBECONFIG=… kubectl`. */
  kubeconfigPath: string;
  /** The same kubeconfig, loaded. */
  kubeConfig: KubeConfig;
  /** The API server's https URL. */
  server: string;
  /** Kills kube-apiserver then etcd (SIGTERM, then SIGKILL) and removes the temporary directory. */
  stop(): Promise<void>;
}

/** Options of {@link startKubeApiServer}. */
export interface KubeApiServerOptions {
  /** Directory holding `kube-apiserver` and `etcd`. Default: {@link kubeBinaryDir}(). */
  binaryDir?: string;
  /** How long etcd plus kube-apiserver may take to become ready, in ms. Default: 120 000 (2 shared cores). */
  startTimeoutMs?: number;
  /** Extra kube-apiserver flags (e.g. `--feature-gates=…`), after the defaults. Default: none. */
  apiServerArgs?: string[];
  /** Also run kube-controller-manager (Jobs → pods, garbage collection) and kube-scheduler. Default: false. */
  controllers?: boolean;
}

/** The controllers kube-controller-manager runs with `controllers: true`: what worker Jobs need. */
export const TEST_CONTROLLERS = [
  'job-controller',
  'garbage-collector-controller',
  'ttl-after-finished-controller',
  'namespace-controller',
];

/** Why the harness could not give a control plane; `code` is stable. */
export class KubeHarnessError extends Error {
  override name = 'KubeHarnessError';
  readonly code: 'KUBE_BINARIES_MISSING' | 'KUBE_START_FAILED';
  constructor(code: 'KUBE_BINARIES_MISSING' | 'KUBE_START_FAILED', message: string) {
    super(message);
    this.code = code;
  }
}

/** Where test/support/kube/build.sh puts the binaries: the cache dir keyed by the wrapper modules' versions. */
export function kubeBinaryDir(): string {
  const k8s = requiredVersion('kubernetes/go.mod', 'k8s.io/kubernetes');
  const etcd = requiredVersion('etcd/go.mod', 'go.etcd.io/etcd/server/v3');
  const cache = process.env.PIXELFORGE_CACHE || join(homedir(), '.cache', 'pixelforge');
  return join(cache, 'kube', `${k8s}-${etcd}`);
}

function requiredVersion(goMod: string, module: string): string {
  const text = readFileSync(join(wrapperDir, goMod), 'utf8');
  const quoted = module.replace(/[.]/g, '\\.');
  const match = text.match(new RegExp(`^\\s*(?:require\\s+)?${quoted}\\s+(v\\S+)`, 'm'));
  if (!match?.[1]) throw new Error(`${goMod} does not require ${module}`);
  return match[1];
}

/**
 * Starts etcd and kube-apiserver on free ports in a temporary directory and waits until `/readyz` is ok
 * (about 3 s here). Install CRDs once per environment: for 2 s after a CRD becomes Established the server
 * holds its first writes back (upstream behaviour, so other API servers in a real cluster catch up).
 */
export async function startKubeApiServer(options: KubeApiServerOptions = {}): Promise<KubeTestEnv> {
  const binaryDir = options.binaryDir ?? kubeBinaryDir();
  const binaries = ['etcd', 'kube-apiserver', ...(options.controllers ? CONTROL_LOOPS : [])];
  for (const name of binaries) {
    if (!existsSync(join(binaryDir, name))) {
      throw new KubeHarnessError(
        'KUBE_BINARIES_MISSING',
        `${join(binaryDir, name)} is missing: run test/support/kube/build.sh (or deploy/local/ensure.sh --for-tests)`,
      );
    }
  }
  // Ports are probed then released, so another process can take one first; that shows up as a bind error.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(binaryDir, options);
    } catch (err) {
      if (attempt >= 3 || !String((err as Error).message).includes('address already in use')) throw err;
    }
  }
}

async function startOnce(binaryDir: string, options: KubeApiServerOptions): Promise<KubeTestEnv> {
  const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
  const dir = await mkdtemp(join(tmpdir(), 'pixelforge-kube-'));
  const children: ChildProcess[] = [];
  // A test runner that dies without calling stop() must not leave servers behind.
  const killOnExit = () => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      process.off('exit', killOnExit);
      // The API server first, so it never sees its storage vanish and spends the grace period retrying.
      for (const child of [...children].reverse()) await stopProcess(child, 5000);
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    })());

  try {
    const etcdUrl = await startEtcd(binaryDir, dir, deadline, children);
    const { server, kubeConfig } = await startApiServer(binaryDir, dir, etcdUrl, options, deadline, children);
    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, kubeConfig.exportConfig(), { mode: 0o600 });
    if (options.controllers) await startControlLoops(binaryDir, dir, kubeconfigPath, deadline, children);
    return { kubeconfigPath, kubeConfig, server, stop, [Symbol.asyncDispose]: stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Starts a one-member etcd and returns its client URL once `/health` is ok. */
async function startEtcd(binaryDir: string, dir: string, deadline: number, children: ChildProcess[]) {
  const etcdUrl = `http://127.0.0.1:${await freePort()}`;
  const peerUrl = `http://127.0.0.1:${await freePort()}`;
  const etcd = await launch(join(binaryDir, 'etcd'), dir, 'etcd', [
    '--name=default',
    `--data-dir=${join(dir, 'etcd-data')}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=default=${peerUrl}`,
    // Test data is thrown away; fsync would dominate the cost of every write.
    '--unsafe-no-fsync=true',
  ]);
  children.push(etcd.child);
  await waitUntil(etcd, deadline, async () => (await fetch(`${etcdUrl}/health`)).ok);
  return etcdUrl;
}

/** Starts kube-apiserver with envtest's flags and an admin token; returns once `/readyz` answers 200. */
async function startApiServer(
  binaryDir: string,
  dir: string,
  etcdUrl: string,
  options: KubeApiServerOptions,
  deadline: number,
  children: ChildProcess[],
) {
  const server = `https://127.0.0.1:${await freePort()}`;
  const token = randomBytes(32).toString('hex');
  const certDir = join(dir, 'certs');
  await mkdir(certDir);
  await writeFile(join(dir, 'tokens.csv'), `${token},admin,admin,"system:masters"\n`, { mode: 0o600 });
  const keys = await promisify(generateKeyPair)('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  await writeFile(join(dir, 'sa.pub'), keys.publicKey);
  await writeFile(join(dir, 'sa.key'), keys.privateKey, { mode: 0o600 });

  const apiServer = await launch(join(binaryDir, 'kube-apiserver'), dir, 'kube-apiserver', [
    '--advertise-address=127.0.0.1',
    '--bind-address=127.0.0.1',
    `--secure-port=${new URL(server).port}`,
    // Without serving certs it generates a self-signed CA and certificate here; the kubeconfig trusts that CA.
    `--cert-dir=${certDir}`,
    `--etcd-servers=${etcdUrl}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    '--allow-privileged=true',
    '--authorization-mode=RBAC',
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    `--service-account-issuer=${server}`,
    `--service-account-key-file=${join(dir, 'sa.pub')}`,
    `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
    // No controller-manager creates the `default` ServiceAccount, so this plugin would reject every Pod.
    '--disable-admission-plugins=ServiceAccount',
    ...(options.apiServerArgs ?? []),
  ]);
  children.push(apiServer.child);

  let kubeConfig: KubeConfig | undefined;
  await waitUntil(apiServer, deadline, async () => {
    const certFile = join(certDir, 'apiserver.crt');
    if (!existsSync(certFile)) return false;
    // Re-read each time: the server writes the file in place, so an early read may see half of it.
    const candidate = adminKubeConfig(server, await readFile(certFile), token);
    if ((await getStatus(candidate, `${server}/readyz`)) !== 200) return false;
    kubeConfig = candidate;
    return true;
  });
  if (!kubeConfig) throw new Error('unreachable: ready without a kubeconfig');
  return { server, kubeConfig };
}

const CONTROL_LOOPS = ['kube-controller-manager', 'kube-scheduler'];

/** Starts kube-controller-manager and kube-scheduler as the admin user; returns once both answer `/healthz`. */
async function startControlLoops(
  binaryDir: string,
  dir: string,
  kubeconfigPath: string,
  deadline: number,
  children: ChildProcess[],
) {
  const common = (port: number) => [
    `--kubeconfig=${kubeconfigPath}`,
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    // Without these it would look up the API server's front-proxy CA; /healthz is always allowed anyway.
    '--authentication-skip-lookup=true',
  ];
  const started: [Launched, number][] = [];
  for (const name of CONTROL_LOOPS) {
    const port = await freePort();
    const extra =
      name === 'kube-controller-manager'
        ? [`--controllers=${TEST_CONTROLLERS.join(',')}`, '--concurrent-job-syncs=10']
        : [];
    const launched = await launch(join(binaryDir, name), dir, name, [...common(port), ...extra]);
    children.push(launched.child);
    started.push([launched, port]);
  }
  const insecure: RequestOptions = { method: 'GET', timeout: 5000, rejectUnauthorized: false };
  for (const [launched, port] of started) {
    await waitUntil(launched, deadline, async () => {
      return (await getStatusWith(insecure, `https://127.0.0.1:${port}/healthz`)) === 200;
    });
  }
}

function adminKubeConfig(server: string, caPem: Buffer, token: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'pixelforge-test', server, caData: caPem.toString('base64'), skipTLSVerify: false }],
    users: [{ name: 'admin', token }],
    contexts: [{ name: 'pixelforge-test', cluster: 'pixelforge-test', user: 'admin' }],
    currentContext: 'pixelforge-test',
  });
  return kubeConfig;
}

interface Launched {
  name: string;
  child: ChildProcess;
  logPath: string;
}

/** Spawns a server with stdout and stderr appended to `<dir>/<name>.log`, kept off the test output. */
async function launch(binary: string, dir: string, name: string, args: string[]): Promise<Launched> {
  const logPath = join(dir, `${name}.log`);
  const log = await open(logPath, 'a');
  try {
    const child = spawn(binary, args, { stdio: ['ignore', log.fd, log.fd] });
    child.on('error', () => {}); // surfaces as an exit, which waitUntil reports with the log
    return { name, child, logPath };
  } finally {
    await log.close(); // the child holds its own copy of the descriptor
  }
}

/** Polls `ready` until it returns true; fails early when the process exits, with the end of its log. */
async function waitUntil(server: Launched, deadline: number, ready: () => Promise<boolean>): Promise<void> {
  for (;;) {
    const { exitCode, signalCode } = server.child;
    if (exitCode !== null || signalCode !== null) {
      throw await startFailure(server, `exited (${exitCode ?? signalCode}) before it was ready`);
    }
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) throw await startFailure(server, 'was not ready in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function startFailure(server: Launched, what: string): Promise<KubeHarnessError> {
  const log = await readFile(server.logPath, 'utf8').catch(() => '');
  const tail = log.trimEnd().split('\n').slice(-25).join('\n');
  return new KubeHarnessError('KUBE_START_FAILED', `${server.name} ${what}; last lines of its log:\n${tail}`);
}

/** GET with the kubeconfig's CA and credentials; node:https because fetch cannot take a per-call CA. */
async function getStatus(kubeConfig: KubeConfig, url: string): Promise<number> {
  const opts: RequestOptions = { method: 'GET', timeout: 5000 };
  await kubeConfig.applyToHTTPSOptions(opts);
  return getStatusWith(opts, url);
}

function getStatusWith(opts: RequestOptions, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, opts, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
