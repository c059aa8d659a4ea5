import { randomFillSync } from 'node:crypto';

// UUIDv7 ids (the layout of platform/ids.ts newId) minted in bulk: an import creates a million ids, and one
// randomBytes() call per id costs more than everything else the import does with a row. Randomness is drawn
// 64 KiB at a time instead.
const POOL = Buffer.alloc(64 * 1024);
let at = POOL.length;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function mintId(): string {
  if (at + 10 > POOL.length) { randomFillSync(POOL); at = 0; }
  const ms = Date.now();
  const b = new Array<string>(16);
  // 48-bit millisecond timestamp, big-endian.
  b[0] = HEX[Math.floor(ms / 2 ** 40) & 0xff]; b[1] = HEX[Math.floor(ms / 2 ** 32) & 0xff];
  b[2] = HEX[(ms >>> 24) & 0xff]; b[3] = HEX[(ms >>> 16) & 0xff]; b[4] = HEX[(ms >>> 8) & 0xff]; b[5] = HEX[ms & 0xff];
  b[6] = HEX[(POOL[at] & 0x0f) | 0x70]; b[7] = HEX[POOL[at + 1]];
  b[8] = HEX[(POOL[at + 2] & 0x3f) | 0x80];
  for (let i = 9; i < 16; i++) b[i] = HEX[POOL[at + i - 6]];
  at += 10;
  return `${b[0]}${b[1]}${b[2]}${b[3]}-${b[4]}${b[5]}-${b[6]}${b[7]}-${b[8]}${b[9]}-${b[10]}${b[11]}${b[12]}${b[13]}${b[14]}${b[15]}`;
}
