// Reading public fingerprint collections for the provenance corpus (bench/fingerprint-corpus.ts):
// rapid7/recog XML fingerprints, nmap's nmap-service-probes match lines, an example string for a match regex
// that has none, and the evidence fields a discovery run would extract from a raw service answer.
// Written for this project; nothing here is copied from either collection's own tooling.

// ---------- recog ----------

export interface RecogFingerprint {
  file: string;                 // e.g. "xml/http_servers.xml"
  pattern: string;
  description: string;
  examples: string[];           // decoded (base64 examples are decoded to latin1 text)
  params: Record<string, string>;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
export function xmlText(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) => {
    if (e[0] === '#') return String.fromCharCode(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? m;
  });
}

function attrs(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([\w.:-]+)\s*=\s*("([^"]*)"|'([^']*)')/g)) out[m[1]] = xmlText(m[3] ?? m[4] ?? '');
  return out;
}

/** Every <fingerprint> of one recog XML file, in file order. */
export function parseRecog(file: string, xml: string): RecogFingerprint[] {
  const noComments = xml.replace(/<!--[\s\S]*?-->/g, '');
  const out: RecogFingerprint[] = [];
  for (const m of noComments.matchAll(/<fingerprint\b([^>]*)>([\s\S]*?)<\/fingerprint>/g)) {
    const body = m[2];
    const description = xmlText((/<description>([\s\S]*?)<\/description>/.exec(body)?.[1] ?? '').trim().replace(/\s+/g, ' '));
    const examples: string[] = [];
    for (const e of body.matchAll(/<example\b([^>]*?)(?:\/>|>([\s\S]*?)<\/example>)/g)) {
      const a = attrs(e[1]);
      let text = xmlText(e[2] ?? '');
      if (a._encoding === 'base64') text = Buffer.from(text.replace(/\s+/g, ''), 'base64').toString('latin1');
      if (text) examples.push(text);
    }
    const params: Record<string, string> = {};
    for (const p of body.matchAll(/<param\b([^>]*)\/?>/g)) {
      const a = attrs(p[1]);
      if (a.name && a.value !== undefined) params[a.name] = a.value;
    }
    out.push({ file, pattern: attrs(m[1]).pattern ?? '', description, examples, params });
  }
  return out;
}

// ---------- nmap ----------

export interface NmapMatch {
  line: number;                 // 1-based line in nmap-service-probes
  probe: string;                // "TCP GetRequest"
  soft: boolean;
  service: string;
  regex: string;                // Perl syntax, as written
  flags: string;                // "s", "i", "si"
  product: string;              // p//
  info: string;                 // i//
  deviceType: string;           // d//
  text: string;                 // the whole line (for citations)
}

/** The value of a `x/…/` style field (any delimiter) on a match line's tail. */
function field(tail: string, key: string): string {
  const m = new RegExp(`(?:^|\\s)${key}(.)`).exec(tail);
  if (!m) return '';
  const start = m.index + m[0].length;
  const end = tail.indexOf(m[1], start);
  return end < 0 ? '' : tail.slice(start, end);
}

export function parseNmap(text: string): NmapMatch[] {
  const out: NmapMatch[] = [];
  let probe = '';
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.startsWith('Probe ')) { probe = line.split(' ').slice(1, 3).join(' '); return; }
    const m = /^(soft)?match (\S+) m(.)/.exec(line);
    if (!m) return;
    const delim = m[3];
    const start = m[0].length;
    const end = line.indexOf(delim, start);
    if (end < 0) return;
    const rest = line.slice(end + 1);
    const flags = /^[a-z]*/.exec(rest)![0];
    const tail = rest.slice(flags.length);
    out.push({
      line: i + 1, probe, soft: !!m[1], service: m[2], regex: line.slice(start, end), flags,
      product: field(tail, 'p'), info: field(tail, 'i'), deviceType: field(tail, 'd'), text: line,
    });
  });
  return out;
}

/** nmap's Perl-flavoured regex as a JavaScript RegExp over latin1 text (one character per byte). */
export function nmapRegExp(regex: string, flags: string): RegExp {
  let js = '';
  for (let i = 0; i < regex.length; i++) {
    const c = regex[i];
    if (c !== '\\') { js += c; continue; }
    const n = regex[++i];
    if (n === 'Z' || n === 'z') js += '$';
    else if (n === 'A') js += '^';
    else if (n === 'e') js += '\\x1b';
    else if (n === 'a') js += '\\x07';
    else if (n === 'x' && regex[i + 1] === '{') { const close = regex.indexOf('}', i); js += `\\x${regex.slice(i + 2, close).padStart(2, '0')}`; i = close; }
    else js += `\\${n}`;
  }
  return new RegExp(js, [...new Set(flags.replace(/[^is]/g, ''))].join(''));
}

// ---------- an example string for a regex ----------

type Node =
  | { t: 'lit'; c: string }
  | { t: 'set'; pick: string }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; alts: Node[] }
  | { t: 'group'; capture: number | null; body: Node }
  | { t: 'rep'; min: number; max: number; body: Node }
  | { t: 'ref'; n: number }
  | { t: 'empty' };

const CLASS_PICK: Record<string, string> = { d: '1', w: 'a', s: ' ', D: 'x', W: ' ', S: 'x' };
const ESC: Record<string, string> = { r: '\r', n: '\n', t: '\t', f: '\f', e: '\x1b', a: '\x07', v: '\v' };

/** Characters a class admits, tested one by one from a preference list (letters and digits first). */
const PREFERRED = [...'aAx1 0-_./:', ...Array.from({ length: 256 }, (_, i) => String.fromCharCode(i))];

/**
 * A string that the regex matches, choosing the shortest repetition, the first alternative and plain characters,
 * with given text for capture groups (fills[k-1] for group k) so examples can carry a real model or version.
 */
export function exampleFor(regex: string, flags: string, fills: (string | undefined)[] = []): string {
  let i = 0;
  let groups = 0;
  const peek = () => regex[i];
  function escapeAt(): { lit?: string; cls?: string } {
    const n = regex[i++];
    if (n === 'x') {
      if (regex[i] === '{') { const close = regex.indexOf('}', i); const h = regex.slice(i + 1, close); i = close + 1; return { lit: String.fromCharCode(parseInt(h, 16)) }; }
      const h = regex.slice(i, i + 2); i += 2; return { lit: String.fromCharCode(parseInt(h, 16)) };
    }
    if (n === '0') { let o = ''; while (o.length < 2 && /[0-7]/.test(regex[i] ?? '')) o += regex[i++]; return { lit: String.fromCharCode(parseInt(o || '0', 8)) }; }
    if (n in CLASS_PICK) return { cls: n };
    if (n in ESC) return { lit: ESC[n] };
    if ('bBAZzG'.includes(n)) return {};
    return { lit: n };
  }
  function parseClass(): Node {
    i++; // [
    const negate = peek() === '^';
    if (negate) i++;
    const tests: ((ch: string) => boolean)[] = [];
    let first = true;
    while (i < regex.length && (peek() !== ']' || first)) {
      first = false;
      let lo: string | null = null;
      if (peek() === '[' && regex[i + 1] === ':') { const close = regex.indexOf(':]', i); const name = regex.slice(i + 2, close); i = close + 2; tests.push(posix(name)); continue; }
      if (peek() === '\\') { i++; const e = escapeAt(); if (e.cls) { const re = new RegExp(`\\${e.cls}`); tests.push((ch) => re.test(ch)); continue; } lo = e.lit ?? ''; }
      else lo = regex[i++];
      if (peek() === '-' && regex[i + 1] !== ']' && regex[i + 1] !== undefined) {
        i++;
        let hi: string;
        if (peek() === '\\') { i++; hi = escapeAt().lit ?? lo; } else hi = regex[i++];
        const a = lo.charCodeAt(0), z = hi.charCodeAt(0);
        tests.push((ch) => ch.charCodeAt(0) >= a && ch.charCodeAt(0) <= z);
      } else { const l = lo; tests.push((ch) => ch === l); }
    }
    i++; // ]
    const ci = flags.includes('i');
    const inSet = (ch: string) => tests.some((t) => t(ch) || (ci && (t(ch.toLowerCase()) || t(ch.toUpperCase()))));
    const pick = PREFERRED.find((ch) => (negate ? !inSet(ch) && ch !== '\n' : inSet(ch))) ?? 'x';
    return { t: 'set', pick };
  }
  function posix(name: string): (ch: string) => boolean {
    const map: Record<string, RegExp> = { alpha: /[A-Za-z]/, digit: /\d/, alnum: /[A-Za-z0-9]/, space: /\s/, upper: /[A-Z]/, lower: /[a-z]/, xdigit: /[0-9A-Fa-f]/, print: /[ -~]/, punct: /[!-/:-@[-`{-~]/ };
    const re = map[name] ?? /./;
    return (ch) => re.test(ch);
  }
  function parseAtom(): Node | null {
    const c = peek();
    if (c === '(') {
      i++;
      let capture: number | null = null;
      if (peek() === '?') {
        const kind = regex[i + 1];
        if (kind === ':') i += 2;
        else if (kind === '=' || kind === '!' || (kind === '<' && (regex[i + 2] === '=' || regex[i + 2] === '!'))) {
          // lookaround: consumes nothing; skip its body
          let depth = 1; i += kind === '<' ? 3 : 2;
          while (i < regex.length && depth) { if (regex[i] === '\\') i++; else if (regex[i] === '(') depth++; else if (regex[i] === ')') depth--; i++; }
          return { t: 'empty' };
        } else if (kind === '>') i += 2;
        else { while (peek() !== ':' && peek() !== ')') i++; if (peek() === ':') i++; }
      } else capture = ++groups;
      const body = parseAlt();
      i++; // )
      return { t: 'group', capture, body };
    }
    if (c === '[') return parseClass();
    if (c === '.') { i++; return { t: 'set', pick: '.' }; } // often a sloppy literal dot ("userimage.html")
    if (c === '^' || c === '$') { i++; return { t: 'empty' }; }
    if (c === '\\') {
      i++;
      if (/[1-9]/.test(peek())) return { t: 'ref', n: Number(regex[i++]) };
      const e = escapeAt();
      if (e.cls) return { t: 'set', pick: CLASS_PICK[e.cls] };
      return e.lit === undefined ? { t: 'empty' } : { t: 'lit', c: e.lit };
    }
    i++;
    return { t: 'lit', c };
  }
  function parseQuant(atom: Node): Node {
    const c = peek();
    let min = 1, max = 1;
    if (c === '*') { min = 0; max = Infinity; i++; }
    else if (c === '+') { min = 1; max = Infinity; i++; }
    else if (c === '?') { min = 0; max = 1; i++; }
    else if (c === '{' && /^\{\d*,?\d*\}/.test(regex.slice(i))) {
      const m = /^\{(\d*)(,?)(\d*)\}/.exec(regex.slice(i))!;
      min = Number(m[1] || 0); max = m[2] ? (m[3] ? Number(m[3]) : Infinity) : min; i += m[0].length;
    } else return atom;
    if (peek() === '?' || peek() === '+') i++; // lazy / possessive: same strings
    return { t: 'rep', min, max, body: atom };
  }
  function parseSeq(): Node {
    const items: Node[] = [];
    while (i < regex.length && peek() !== '|' && peek() !== ')') {
      const a = parseAtom();
      if (a) items.push(parseQuant(a));
    }
    return { t: 'seq', items };
  }
  function parseAlt(): Node {
    const alts = [parseSeq()];
    while (peek() === '|') { i++; alts.push(parseSeq()); }
    return alts.length === 1 ? alts[0] : { t: 'alt', alts };
  }
  const tree = parseAlt();
  const endsWithNewline = (n: Node): boolean =>
    n.t === 'lit' ? n.c === '\n' : n.t === 'seq' ? n.items.length > 0 && endsWithNewline(n.items.filter((x) => x.t !== 'empty').at(-1)!)
      : n.t === 'group' ? endsWithNewline(n.body) : false;
  const captured: string[] = [];
  function emit(n: Node): string {
    switch (n.t) {
      case 'lit': return n.c;
      case 'set': return n.pick;
      case 'empty': return '';
      case 'seq': return n.items.map(emit).join('');
      case 'alt': return emit(n.alts[0]);
      case 'ref': return captured[n.n] ?? '';
      case 'group': {
        const text = n.capture !== null && fills[n.capture - 1] !== undefined ? fills[n.capture - 1]! : emit(n.body);
        if (n.capture !== null) captured[n.capture] = text;
        return text;
      }
      // An optional run of whole lines (HTTP headers before the one that matters) gets one line, so the
      // matched header does not land on the status line.
      case 'rep': return emit(n.body).repeat(n.min === 0 && n.max > 0 && endsWithNewline(n.body) ? 1 : n.min);
    }
  }
  return emit(tree);
}

// ---------- from a raw answer to the fields discovery reads ----------

/** Raw bytes as the contract's escaped text: printable ASCII as is, \r \n \t, anything else \xHH. */
export function escapeRaw(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '\\') out += '\\\\';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else out += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** A telnet greeting as a person would read it: option negotiation (IAC …) removed, NULs dropped, trimmed. */
export function telnetText(s: string): string {
  return s.replace(/\xff\xfa[\s\S]*?\xff\xf0/g, '').replace(/\xff[\xfb-\xfe][\s\S]/g, '').replace(/\xff[\xf0-\xfa]/g, '')
    .replace(/\0/g, '').trim();
}

export interface HeaderAnswer { status: string; headers: [string, string][]; body: string }
/** An HTTP/RTSP/SIP answer split into status line, headers and body (tolerating bare \n line ends). */
export function splitAnswer(s: string): HeaderAnswer {
  // no blank line (a written example may run headers straight into markup): the body starts at the first tag
  const sep = /\r?\n\r?\n/.exec(s) ?? /(?:\r?\n)?(?=<)/.exec(s);
  const head = sep ? s.slice(0, sep.index) : s;
  const body = sep ? s.slice(sep.index + sep[0].length) : '';
  const lines = head.split(/\r?\n/);
  const headers: [string, string][] = [];
  for (const l of lines.slice(1)) { const k = l.indexOf(':'); if (k > 0) headers.push([l.slice(0, k).trim().toLowerCase(), l.slice(k + 1).trim()]); }
  return { status: lines[0] ?? '', headers, body };
}

export function realmOf(wwwAuthenticate: string): string | null {
  const m = /realm\s*=\s*(?:"([^"]*)"?|([^,\s][^,]*))/i.exec(wwwAuthenticate);
  return m ? (m[1] ?? m[2]).trim() : null;
}

export function titleOf(body: string): string | null {
  const m = /<title[^>]*>([^<]*)/i.exec(body); // up to the next tag: a cut-off page may lack </title>
  return m ? m[1].replace(/\s+/g, ' ').trim() : null;
}

/** Text fields as a client decodes them: the answer's bytes read as UTF-8 where they are valid UTF-8. */
export function utf8Text(latin1: string): string {
  if (!/[\x80-\xff]/.test(latin1)) return latin1;
  const decoded = Buffer.from(latin1, 'latin1').toString('utf8');
  return decoded.includes('\ufffd') ? latin1 : decoded;
}
