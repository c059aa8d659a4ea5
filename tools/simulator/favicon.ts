// A small /favicon.ico per make, drawn here (16×16, 32-bit, in an ICO container), never copied from a vendor: the
// same make always serves the same bytes, so its MD5 and Shodan-style hash are stable, and two makes never share one.
import crypto from 'node:crypto';
import type { SimDevice } from './fleet';

const cache = new Map<string, Buffer>();

/** The icon a device's web server serves; relabels of one maker share the producer's firmware, so its icon. */
export function faviconFor(d: SimDevice): Buffer {
  const family = d.make.split('-')[0] === 'hikvision' && d.httpServer === 'DNVRS-Webs' ? 'hikvision-nvr' : d.make.split('-')[0];
  let icon = cache.get(family);
  if (!icon) { icon = drawIcon(family); cache.set(family, icon); }
  return icon;
}

function drawIcon(family: string): Buffer {
  const seed = crypto.createHash('sha256').update(`sightline-simulated-favicon:${family}`).digest();
  const [r, g, b] = [seed[0], seed[1], seed[2]];
  const size = 16;
  // BMP pixels, bottom-up BGRA: the family's colour with a mark (a diagonal band whose slope comes from the seed).
  const pixels = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const onMark = Math.abs(((x * (1 + (seed[3] & 3))) + y) % size - size / 2) < 3;
      const i = (y * size + x) * 4;
      pixels[i] = onMark ? 255 - b : b;
      pixels[i + 1] = onMark ? 255 - g : g;
      pixels[i + 2] = onMark ? 255 - r : r;
      pixels[i + 3] = 255;
    }
  }
  const mask = Buffer.alloc(size * 4); // AND mask: 16 rows of 32 bits, all opaque
  const info = Buffer.alloc(40);
  info.writeUInt32LE(40, 0);
  info.writeInt32LE(size, 4);
  info.writeInt32LE(size * 2, 8); // ICO bitmaps count the mask in the height
  info.writeUInt16LE(1, 12);
  info.writeUInt16LE(32, 14);
  info.writeUInt32LE(pixels.length + mask.length, 20);
  const image = Buffer.concat([info, pixels, mask]);
  const header = Buffer.alloc(6 + 16);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(1, 4); // one image
  header[6] = size; header[7] = size; header[8] = 0; header[9] = 0;
  header.writeUInt16LE(1, 10);
  header.writeUInt16LE(32, 12);
  header.writeUInt32LE(image.length, 14);
  header.writeUInt32LE(22, 18);
  return Buffer.concat([header, image]);
}
