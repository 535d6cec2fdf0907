// What a GPU provider can run on here, for the worker's log: the Vulkan drivers installed (the WebGPU
// provider is Dawn over Vulkan) and the display-class PCI devices. onnxruntime does not report the adapter
// Dawn picked, so this is what an operator needs to tell a GPU from lavapipe, which renders on the CPU.
import { readFile, readdir } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import path from 'node:path';
import type { ExecutionProvider } from '../../ports/enhancer.ts';

export interface GpuEnvironment {
  provider: ExecutionProvider;
  /** Vulkan ICDs by driver, e.g. `lavapipe (Mesa, renders on the CPU)` or `nvidia`. */
  vulkanDrivers: string[];
  /** Display controllers on the PCI bus by vendor, e.g. `NVIDIA 0x2330`. */
  gpus: string[];
}

/** The device a worker's provider runs on, in words: the CPU model and threads, or the GPUs and drivers found. */
export function deviceOf(found: GpuEnvironment): string {
  if (found.provider === 'cpu')
    return `${cpus()[0]?.model.trim() ?? 'CPU'} (${availableParallelism()} threads)`;
  const gpus = found.gpus.length ? found.gpus.join(', ') : 'no GPU on the PCI bus';
  return found.vulkanDrivers.length ? `${gpus}; Vulkan: ${found.vulkanDrivers.join(', ')}` : gpus;
}

const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
const VENDORS: Readonly<Record<string, string>> = {
  '0x10de': 'NVIDIA',
  '0x1002': 'AMD',
  '0x8086': 'Intel',
  '0x1af4': 'virtio',
};
const DRIVERS: readonly (readonly [RegExp, string])[] = [
  [/lvp/, 'lavapipe (Mesa, renders on the CPU)'],
  [/nvidia/, 'nvidia'],
  [/radeon/, 'radv (Mesa, AMD)'],
  [/intel/, 'anv (Mesa, Intel)'],
];

async function icdFiles(env: NodeJS.ProcessEnv): Promise<string[]> {
  const listed = env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES;
  if (listed) return listed.split(':').filter(Boolean);
  const found = await Promise.all(
    ICD_DIRS.map(async (dir) =>
      (await readdir(dir).catch(() => [] as string[]))
        .filter((f) => f.endsWith('.json'))
        .map((f) => path.join(dir, f)),
    ),
  );
  return found.flat();
}

async function driverName(file: string): Promise<string | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  let library = '';
  try {
    library = String((JSON.parse(text) as { ICD?: { library_path?: string } }).ICD?.library_path ?? '');
  } catch {
    return `${path.basename(file)} (unreadable)`;
  }
  const key = `${path.basename(file)} ${library}`.toLowerCase();
  return DRIVERS.find(([pattern]) => pattern.test(key))?.[1] ?? path.basename(library || file);
}

async function displayDevices(root: string): Promise<string[]> {
  const devices = await readdir(root).catch(() => [] as string[]);
  const found = await Promise.all(
    devices.map(async (device) => {
      const read = (name: string) =>
        readFile(path.join(root, device, name), 'utf8').then(
          (t) => t.trim(),
          () => '',
        );
      // PCI class 0x03xxxx: display controllers (VGA, 3D, other).
      if (!(await read('class')).startsWith('0x03')) return undefined;
      const vendor = await read('vendor');
      return `${VENDORS[vendor] ?? vendor} ${await read('device')}`;
    }),
  );
  return found.filter((d): d is string => d !== undefined);
}

/** The environment of `provider`; for `cpu` only the provider. Never throws: missing files mean nothing found. */
export async function describeGpuEnvironment(
  provider: ExecutionProvider,
  env: NodeJS.ProcessEnv = process.env,
  pciRoot = '/sys/bus/pci/devices',
): Promise<GpuEnvironment> {
  if (provider === 'cpu') return { provider, vulkanDrivers: [], gpus: [] };
  const names = await Promise.all((await icdFiles(env)).map(driverName));
  return {
    provider,
    vulkanDrivers: [...new Set(names.filter((n): n is string => n !== undefined))].sort(),
    gpus: await displayDevices(pciRoot),
  };
}
