// The ModelRuntime port on onnxruntime-node: one verified, optimised inference session per model variant.
import { availableParallelism, tmpdir } from 'node:os';
import { Worker } from 'node:worker_threads';
import type * as ort from 'onnxruntime-node';
import { cancelledBy } from '../../enhance/run-tiles.ts';
import type { InferenceReply, InferenceRequest } from './inference-messages.ts';
import type { ModelRuntime } from '../../enhance/engine-ports.ts';
import { ProviderUnavailableError } from '../../enhance/enhance-errors.ts';
import type { ResolvedVariant } from '../../enhance/model-catalogue.ts';
import type { RunModel } from '../../enhance/receptive-field.ts';
import type { ExecutionProvider } from '../../ports/enhancer.ts';
import { createModelRegistry } from './model-registry.ts';

export interface OnnxRuntimeOptions {
  /** Folder holding `<model>/manifest.json` and the `.onnx` files. */
  modelsDir: string;
  /** Threads one inference uses (intraOpNumThreads); default: every core. */
  threads?: number;
  /**
   * Default `cpu`. `webgpu` and `cuda` fail with ProviderUnavailableError when no adapter exists or their
   * libraries cannot load: never a silent run on the CPU.
   */
  provider?: ExecutionProvider;
}

/** onnxruntime's reason, with what to do about it first (its own text ends with a source location). */
function explainUnavailable(provider: ExecutionProvider, message: string): string {
  const reason = message.replace(/^.*?(Failed to get a WebGPU adapter)/s, '$1').trim();
  if (provider === 'webgpu' && /adapter/i.test(message)) {
    return (
      "no WebGPU adapter: Dawn found no usable Vulkan device. Install the GPU's Vulkan driver (in a container: " +
      'NVIDIA_DRIVER_CAPABILITIES must include "graphics"), or Mesa ≥ 25 lavapipe to render on the CPU ' +
      `(${reason})`
    );
  }
  return reason;
}

/**
 * Creates the runtime; models are read and sessions created on first use. Sessions live in one inference
 * thread: onnxruntime-node runs synchronously on its caller's thread, and a tile of a large model takes
 * seconds, during which this process must still answer signals and publish events.
 */
export function createOnnxRuntime({
  modelsDir,
  threads = availableParallelism(),
  provider = 'cpu',
}: OnnxRuntimeOptions): ModelRuntime {
  const registry = createModelRegistry(modelsDir);
  const sessions = new Map<
    string,
    Promise<{ inputNames: readonly string[]; outputNames: readonly string[] }>
  >();

  const sessionOptions: ort.InferenceSession.SessionOptions = {
    // 'all' measured ≈ 1.3× faster than 'basic' on the ESRGAN models (FACTS.md).
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    // The graphs are chains of convolutions: parallelism is inside each op, not between ops.
    interOpNumThreads: 1,
    executionMode: 'sequential',
    // Only the named provider: onnxruntime adds its CPU kernels for ops the provider lacks, but a provider
    // that fails to load is an error here, never a silent run on the CPU.
    executionProviders: [provider],
  };

  // Dawn (the WebGPU provider) keeps per-user state under XDG_RUNTIME_DIR and fails to start without it,
  // which a container or a service manager often leaves unset.
  if (provider === 'webgpu') process.env.XDG_RUNTIME_DIR ??= tmpdir();

  const thread = createInferenceThread(sessionOptions);

  async function createSession(key: string, resolved: ResolvedVariant) {
    const bytes = await registry.readVerified(resolved);
    // The thread takes the bytes over: a copy only when the file shares its buffer.
    const owned = (
      bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
        ? bytes.buffer
        : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
    ) as ArrayBuffer;
    try {
      const loaded = await thread.call({ type: 'load', key, bytes: owned }, [owned]);
      if (loaded.type !== 'loaded') throw new Error(`unexpected reply ${loaded.type}`);
      return loaded;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (provider !== 'cpu' && /provider|shared librar|cuda|adapter/i.test(message)) {
        throw new ProviderUnavailableError(provider, explainUnavailable(provider, message), { cause: err });
      }
      throw err;
    }
  }

  function session(resolved: ResolvedVariant) {
    const key = `${resolved.manifest.name}@${resolved.variant.scale}`;
    let created = sessions.get(key);
    if (!created) {
      created = createSession(key, resolved);
      created.catch(() => sessions.delete(key));
      sessions.set(key, created);
    }
    return { key, created };
  }

  return {
    provider,
    manifests: () => registry.manifests(),

    async load(resolved): Promise<RunModel> {
      const { key, created } = session(resolved);
      const s = await created;
      const { manifest, variant } = resolved;
      const inputName = manifest.inputName ?? s.inputNames[0]!;
      const outputName = manifest.outputName ?? s.outputNames[0]!;
      const nchw = manifest.layout === 'NCHW';
      return async (tensor, width, height, signal) => {
        const dims = nchw ? [1, 3, height, width] : [1, height, width, 3];
        // The tensor moves to the inference thread; a caller must not reuse it.
        const input =
          tensor.byteOffset === 0 && tensor.length * 4 === tensor.buffer.byteLength ? tensor : tensor.slice();
        const output = await thread.call(
          { type: 'run', key, input, dims, inputName, outputName },
          [input.buffer as ArrayBuffer],
          signal,
        );
        const expected = nchw
          ? [1, 3, height * variant.scale, width * variant.scale]
          : [1, height * variant.scale, width * variant.scale, 3];
        if (
          output.type !== 'ran' ||
          output.dataType !== 'float32' ||
          output.dims.join() !== expected.join()
        ) {
          const ran = output.type === 'ran' ? output : undefined;
          throw new Error(
            `${manifest.name} ×${variant.scale} returned ${ran?.dataType} [${ran?.dims.join(', ')}], expected float32 [${expected.join(', ')}]`,
          );
        }
        return output.data;
      };
    },

    async close() {
      sessions.clear();
      await thread.close();
    },
  };
}

type Reply<T extends InferenceRequest['type']> = Extract<
  InferenceReply,
  { type: T extends 'load' ? 'loaded' : T extends 'run' ? 'ran' : 'released' }
>;

interface InferenceThread {
  /** Sends one request; rejects when the thread reports an error, or at once when `signal` aborts. */
  call<R extends DistributiveOmit<InferenceRequest, 'id'>>(
    request: R,
    transfer: ArrayBuffer[],
    signal?: AbortSignal,
  ): Promise<Reply<R['type']>>;
  /** Releases the sessions and ends the thread; a thread busy with an abandoned run is left to the exit. */
  close(): Promise<void>;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Starts the thread on first use; it keeps the process alive only while a request is in flight. */
function createInferenceThread(sessionOptions: ort.InferenceSession.SessionOptions): InferenceThread {
  let worker: Worker | undefined;
  let nextId = 1;
  const pending = new Map<number, { resolve(reply: InferenceReply): void; reject(err: Error): void }>();
  /** Requests the thread is still working on, answered or not (an abandoned run keeps it busy). */
  let busy = 0;

  const settle = () => {
    if (busy === 0) worker?.unref();
  };
  const failAll = (err: Error) => {
    for (const { reject } of pending.values()) reject(err);
    pending.clear();
  };
  const start = () => {
    // The thread inherits this process's options, the TypeScript loader on Node 20 included.
    const started = new Worker(new URL('./inference-thread.ts', import.meta.url), {
      workerData: sessionOptions,
    });
    started.on('message', (reply: InferenceReply) => {
      busy--;
      settle();
      const waiter = pending.get(reply.id);
      if (!waiter) return;
      pending.delete(reply.id);
      if (reply.type === 'error') waiter.reject(new Error(reply.message));
      else waiter.resolve(reply);
    });
    started.on('error', (err) => failAll(err));
    started.on('exit', (code) => {
      if (worker === started) worker = undefined;
      busy = 0;
      failAll(new Error(`the inference thread exited with ${code}`));
    });
    return started;
  };

  return {
    call(request, transfer, signal) {
      if (signal?.aborted) return Promise.reject(cancelledBy(signal));
      worker ??= start();
      const id = nextId++;
      const message = { ...request, id } as InferenceRequest;
      return new Promise((resolve, reject) => {
        const onAbort = () => {
          // The thread cannot be interrupted mid-run: stop waiting; its answer will find nobody.
          pending.delete(id);
          reject(cancelledBy(signal!));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        pending.set(id, {
          resolve: (reply) => (signal?.removeEventListener('abort', onAbort), resolve(reply as never)),
          reject: (err) => (signal?.removeEventListener('abort', onAbort), reject(err)),
        });
        busy++;
        worker!.ref();
        worker!.postMessage(message, transfer);
      });
    },
    async close() {
      const current = worker;
      if (!current) return;
      worker = undefined;
      if (busy > 0) {
        // Waiting would mean waiting for the tile: the process is on its way out and takes the thread along.
        current.unref();
        return;
      }
      const released = new Promise<void>((resolve) => {
        current.once('message', () => resolve());
        current.once('exit', () => resolve());
      });
      busy++;
      // Held until the thread answers: an unreferenced thread would let the process end mid-close.
      current.ref();
      current.postMessage({ id: nextId++, type: 'release' } satisfies InferenceRequest);
      await released;
      await current.terminate();
    },
  };
}
