// Password rules after the NCSC's password guidance ("Password administration for system owners"): a minimum
// length, a deny-list of the most common passwords, no composition rules (no "one upper-case, one symbol") and no
// forced expiry. The deny-list is the 49,233 most common passwords from public breach corpora shipped by
// @zxcvbn-ts/language-common (MIT). Repeats, runs and the service's or person's own name are refused too, as
// NIST SP 800-63B §5.1.1.2 lists ("aaaaaa", "1234abcd", context-specific words).
import { dictionary } from '@zxcvbn-ts/language-common';

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 200;

let common: Set<string> | null = null;
const commonPasswords = () => (common ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase())));

/** "Password2024!" → "password": digits and punctuation people add around a word to pass old composition rules. */
const core = (pw: string) => pw.toLowerCase().replace(/^[\d\W_]+|[\d\W_]+$/g, '');

/** One short unit over and over: "aaaaaaaaaaaa", "abcabcabcabc", "121212121212". */
const repeated = (pw: string) => /^(.{1,4})\1+$/su.test(pw.toLowerCase());

/** A run up or down the alphabet or digits: "abcdefghijkl", "987654321098". */
function isRun(pw: string): boolean {
  const s = pw.toLowerCase();
  const step = (a: string, b: string) => {
    const d = b.charCodeAt(0) - a.charCodeAt(0);
    return (a === '9' && b === '0') || (a === '0' && b === '9') ? (a === '9' ? 1 : -1) : d;
  };
  const first = step(s[0], s[1]);
  if (Math.abs(first) !== 1) return false;
  for (let i = 1; i < s.length - 1; i++) if (step(s[i], s[i + 1]) !== first) return false;
  return true;
}

/**
 * Why a new password is not acceptable, in words for the person choosing it, or null if it is fine.
 * `context` holds words an attacker would try first for this account: its email address and name.
 */
export function passwordProblem(pw: string, context: string[] = []): string | null {
  if (pw.length < MIN_PASSWORD_LENGTH) return `Password must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (pw.length > MAX_PASSWORD_LENGTH) return `Password must be ${MAX_PASSWORD_LENGTH} characters or fewer`;
  const list = commonPasswords();
  if (list.has(pw.toLowerCase()) || list.has(core(pw))) return 'This is one of the most common passwords, so it would be guessed quickly. Choose another, for example three random words';
  if (repeated(pw) || isRun(pw)) return 'Password must not be one character or a short pattern repeated, or a run like abcdef or 123456. Choose another, for example three random words';
  const letters = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
  const words = ['sightline', ...context.flatMap((c) => c.toLowerCase().split(/[@\s._-]+/))].filter((w) => w.length >= 4);
  // The email address or name itself (in any spacing), or one word of them dressed up with digits.
  if (words.includes(core(pw)) || context.some((c) => letters(c).includes(letters(pw)))) return 'Password must not be your name, your email address or the name of this service';
  return null;
}
