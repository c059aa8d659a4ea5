// A small real JPEG for the simulated cameras' snapshot URIs, encoded here rather than committed as a binary: a
// baseline (SOF0) greyscale image made of 8×8 tiles of flat grey, so every block has only a DC coefficient and the
// encoder stays tiny (ITU-T T.81: DC differences coded with Annex K's luminance DC table; each block's AC part is one
// end-of-block code). Any JPEG decoder shows it as a dark-to-light diagonal pattern.

/** Annex K.3, Table K.3: code lengths (BITS) and symbols (HUFFVAL) of the typical luminance DC table. */
const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
/** An AC table with a single symbol, 0x00 (end of block), coded as the one-bit code "0". */
const AC_BITS = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const AC_VALUES = [0x00];

/** Canonical Huffman codes (T.81 Annex C) for a BITS/HUFFVAL pair: symbol → [code, length]. */
function huffmanCodes(bits: number[], values: number[]): Map<number, [number, number]> {
  const out = new Map<number, [number, number]>();
  let code = 0, k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < bits[len - 1]; i++) out.set(values[k++], [code++, len]);
    code <<= 1;
  }
  return out;
}

class BitWriter {
  private bytes: number[] = [];
  private acc = 0;
  private n = 0;
  write(value: number, length: number) {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1);
      if (++this.n === 8) this.flushByte();
    }
  }
  private flushByte() {
    this.bytes.push(this.acc);
    if (this.acc === 0xff) this.bytes.push(0x00); // byte stuffing (T.81 F.1.2.3)
    this.acc = 0;
    this.n = 0;
  }
  finish(): number[] {
    if (this.n) this.write(0xff, 8 - this.n); // pad the last byte with 1-bits
    return this.bytes;
  }
}

const segment = (marker: number, payload: number[]) => [0xff, marker, (payload.length + 2) >> 8, (payload.length + 2) & 255, ...payload];

/** Encodes a greyscale image given as one grey level (0–255) per 8×8 tile, `cols` × `rows` tiles. */
export function encodeTiledJpeg(cols: number, rows: number, greyOf: (col: number, row: number) => number): Buffer {
  const width = cols * 8, height = rows * 8;
  const dc = huffmanCodes(DC_BITS, DC_VALUES), ac = huffmanCodes(AC_BITS, AC_VALUES);
  const bits = new BitWriter();
  let previous = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      // Flat block of level v: after the level shift, F(0,0) = 8 × (v − 128); the quantiser is 1 everywhere.
      const coefficient = 8 * (Math.max(0, Math.min(255, Math.round(greyOf(c, r)))) - 128);
      const diff = coefficient - previous;
      previous = coefficient;
      const size = diff === 0 ? 0 : Math.floor(Math.log2(Math.abs(diff))) + 1;
      const [code, length] = dc.get(size)!;
      bits.write(code, length);
      if (size) bits.write(diff > 0 ? diff : diff + (1 << size) - 1, size); // T.81 F.1.2.1.1: negative as one's complement
      const [eob, eobLength] = ac.get(0x00)!;
      bits.write(eob, eobLength);
    }
  }
  return Buffer.from([
    0xff, 0xd8,
    ...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]), // JFIF 1.01, aspect 1:1, no thumbnail
    ...segment(0xdb, [0x00, ...new Array<number>(64).fill(1)]),                  // 8-bit quantisation table 0, all ones
    ...segment(0xc0, [8, height >> 8, height & 255, width >> 8, width & 255, 1, 1, 0x11, 0]),
    ...segment(0xc4, [0x00, ...DC_BITS, ...DC_VALUES, 0x10, ...AC_BITS, ...AC_VALUES]),
    ...segment(0xda, [1, 1, 0x00, 0, 63, 0]),
    ...bits.finish(),
    0xff, 0xd9,
  ]);
}

let snapshot: Buffer | null = null;

/** The snapshot every simulated camera serves: 64×48 pixels, made once. */
export function snapshotJpeg(): Buffer {
  snapshot ??= encodeTiledJpeg(8, 6, (c, r) => 24 + (c + r) * 18);
  return snapshot;
}
