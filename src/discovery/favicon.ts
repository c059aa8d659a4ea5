// Favicon fingerprints: the MD5 of /favicon.ico, and Shodan's favicon hash (`http.favicon.hash`), the signed
// MurmurHash3 x86_32 (seed 0) of the icon's base64 text wrapped as Python's base64.encodebytes does (a newline
// after every 76 characters and at the end). Collections such as rapid7/recog xml/favicons.xml key makers on the
// MD5; Shodan's searches on the MurmurHash3 value.
import { createHash } from 'node:crypto';

/**
 * MurmurHash3 x86_32 (Austin Appleby's public-domain reference, MurmurHash3_x86_32), as a signed 32-bit integer like
 * Python's mmh3.hash.
 */
export function murmur3x86_32(data: Buffer, seed = 0): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));
  const mixK = (k: number) => Math.imul(rotl(Math.imul(k, c1), 15), c2);
  let h = seed | 0;
  const blocks = data.length >>> 2;
  for (let i = 0; i < blocks; i++) {
    h ^= mixK(data.readInt32LE(i * 4));
    h = (Math.imul(rotl(h, 13), 5) + 0xe6546b64) | 0;
  }
  const tail = blocks * 4;
  let k = 0;
  switch (data.length & 3) {
    case 3: k ^= data[tail + 2] << 16; // falls through
    case 2: k ^= data[tail + 1] << 8; // falls through
    case 1: k ^= data[tail]; h ^= mixK(k);
  }
  h ^= data.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** Base64 with a newline after every 76 characters and at the end (Python's base64.encodebytes). */
export function base64Lines(data: Buffer): string {
  const b64 = data.toString('base64');
  let out = '';
  for (let i = 0; i < b64.length; i += 76) out += `${b64.slice(i, i + 76)}\n`;
  return out;
}

export interface FaviconHashes { faviconMd5: string; faviconMmh3: number }

export function faviconHashes(icon: Buffer): FaviconHashes {
  return {
    faviconMd5: createHash('md5').update(icon).digest('hex'),
    faviconMmh3: murmur3x86_32(Buffer.from(base64Lines(icon), 'ascii')),
  };
}
