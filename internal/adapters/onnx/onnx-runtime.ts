// The ModelRuntime port on onnxruntime-node: one verified, optimised inference session per model variant.
import { availableParallelism, tmpdir } from 'node:os';
import * as ort from 'onnxruntime-node';
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

/** Creates the runtime; models are read and sessions created on first use. */
export function createOnnxRuntime({
  modelsDir,
  threads = availableParallelism(),
  provider = 'cpu',
}: OnnxRuntimeOptions): ModelRuntime {
  const registry = createModelRegistry(modelsDir);
  const sessions = new Map<string, Promise<ort.InferenceSession>>();

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

  async function createSession(resolved: ResolvedVariant): Promise<ort.InferenceSession> {
    const bytes = await registry.readVerified(resolved);
    try {
      return await ort.InferenceSession.create(bytes, sessionOptions);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (provider !== 'cpu' && /provider|shared librar|cuda|adapter/i.test(message)) {
        throw new ProviderUnavailableError(provider, explainUnavailable(provider, message), { cause: err });
      }
      throw err;
    }
  }

  function session(resolved: ResolvedVariant): Promise<ort.InferenceSession> {
    const key = `${resolved.manifest.name}@${resolved.variant.scale}`;
    let created = sessions.get(key);
    if (!created) {
      created = createSession(resolved);
      created.catch(() => sessions.delete(key));
      sessions.set(key, created);
    }
    return created;
  }

  return {
    provider,
    manifests: () => registry.manifests(),

    async load(resolved): Promise<RunModel> {
      const s = await session(resolved);
      const { manifest, variant } = resolved;
      const inputName = manifest.inputName ?? s.inputNames[0]!;
      const outputName = manifest.outputName ?? s.outputNames[0]!;
      const nchw = manifest.layout === 'NCHW';
      return async (tensor, width, height) => {
        const input = new ort.Tensor('float32', tensor, nchw ? [1, 3, height, width] : [1, height, width, 3]);
        const results = await s.run({ [inputName]: input }, [outputName]);
        const output = results[outputName];
        const expected = nchw
          ? [1, 3, height * variant.scale, width * variant.scale]
          : [1, height * variant.scale, width * variant.scale, 3];
        if (!output || output.type !== 'float32' || output.dims.join() !== expected.join()) {
          throw new Error(
            `${manifest.name} ×${variant.scale} returned ${output?.type} [${output?.dims.join(', ')}], expected float32 [${expected.join(', ')}]`,
          );
        }
        return output.data as Float32Array;
      };
    },

    async close() {
      const all = [...sessions.values()];
      sessions.clear();
      await Promise.all(all.map((p) => p.then((s) => s.release()).catch(() => undefined)));
    },
  };
}
