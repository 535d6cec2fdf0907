// `npm run models:convert [-- --out DIR] [-- name …]`: regenerates models/ from the installed model packages.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { convertModels } from './convert-models.ts';

const { values, positionals } = parseArgs({
  options: { out: { type: 'string', default: 'models' } },
  allowPositionals: true,
});
const outDir = path.resolve(values.out);
const manifests = await convertModels({ outDir, ...(positionals.length > 0 ? { only: positionals } : {}) });
for (const manifest of manifests) {
  for (const variant of manifest.variants) {
    console.log(
      `${manifest.name} x${variant.scale}: ${path.join(outDir, manifest.name, variant.file)} ` +
        `(${variant.parameters} parameters, ${variant.macsPerOutputPixel} MACs per output pixel)`,
    );
  }
}
