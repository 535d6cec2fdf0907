import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeGpuEnvironment } from './gpu-environment.ts';

describe('describeGpuEnvironment', () => {
  it('names the Vulkan drivers and the display devices on the PCI bus', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pf-gpu-env-'));
    try {
      const icd = (name: string, library: string) =>
        writeFile(path.join(dir, name), JSON.stringify({ ICD: { library_path: library } }));
      await icd('lvp_icd.json', '/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so');
      await icd('nvidia_icd.json', 'libGLX_nvidia.so.0');
      const pci = path.join(dir, 'pci');
      for (const [device, cls, vendor, id] of [
        ['0000:00:02.0', '0x030000', '0x10de', '0x2330'],
        ['0000:00:03.0', '0x020000', '0x8086', '0x100e'],
      ] as const) {
        await mkdir(path.join(pci, device), { recursive: true });
        await writeFile(path.join(pci, device, 'class'), `${cls}\n`);
        await writeFile(path.join(pci, device, 'vendor'), `${vendor}\n`);
        await writeFile(path.join(pci, device, 'device'), `${id}\n`);
      }
      const env = {
        VK_ICD_FILENAMES: `${path.join(dir, 'lvp_icd.json')}:${path.join(dir, 'nvidia_icd.json')}`,
      };
      assert.deepEqual(await describeGpuEnvironment('webgpu', env, pci), {
        provider: 'webgpu',
        vulkanDrivers: ['lavapipe (Mesa, renders on the CPU)', 'nvidia'],
        gpus: ['NVIDIA 0x2330'],
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('finds nothing, without throwing, where nothing is installed', async () => {
    const env = { VK_ICD_FILENAMES: '/nonexistent/icd.json' };
    assert.deepEqual(await describeGpuEnvironment('webgpu', env, '/nonexistent'), {
      provider: 'webgpu',
      vulkanDrivers: [],
      gpus: [],
    });
    assert.deepEqual(await describeGpuEnvironment('cpu'), { provider: 'cpu', vulkanDrivers: [], gpus: [] });
  });
});
