// Test images made with sharp, and multipart bodies for uploads.
import sharp from 'sharp';

/** A photo-like JPEG (smooth gradients and noise) of the given size. */
export async function makeJpeg(width = 64, height = 48, quality = 85): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[i] = (x * 255) / width;
      raw[i + 1] = (y * 255) / height;
      raw[i + 2] = ((x ^ y) * 37) & 255;
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
}

export async function makePng(width = 32, height = 32): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: { r: 20, g: 120, b: 200, alpha: 0.5 } } })
    .png()
    .toBuffer();
}

/** A multipart/form-data body with a `file` part and text fields. */
export function uploadForm(
  file: Uint8Array,
  fields: Record<string, string>,
  filename = 'photo.jpg',
): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([new Uint8Array(file)]), filename);
  return form;
}
