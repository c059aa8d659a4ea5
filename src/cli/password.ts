// Its own module so seed.ts and main.ts share it without seed importing the whole CLI.
export function generateOneTimePassword(): string {
  // Four groups of five from an unambiguous alphabet: about 100 bits, easy to read out.
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const limit = 256 - (256 % alphabet.length); // reject bytes past the last whole multiple: no modulo bias
  const chars: string[] = [];
  while (chars.length < 20) {
    for (const b of crypto.getRandomValues(new Uint8Array(32))) if (b < limit && chars.length < 20) chars.push(alphabet[b % alphabet.length]);
  }
  return [0, 5, 10, 15].map((i) => chars.slice(i, i + 5).join('')).join('-');
}
