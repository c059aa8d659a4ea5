// Text banners of TCP services that speak first: FTP's greeting (RFC 959: a "220" reply, perhaps multi-line) and
// what a telnet server shows before its login prompt (RFC 854/855 option negotiation is refused and dropped, the
// text is kept). Each read is bounded in bytes and time, so a device that floods or never stops costs only that.
import net from 'node:net';

export const MAX_BANNER_BYTES = 4 * 1024;
/** After some text, this long a pause means the device has said what it says unprompted. */
const QUIET_MS = 300;

/** Bytes as text for people and rules: printable ASCII kept, anything else escaped ("\r\n", "\x00"). */
export function escapeBytes(data: Buffer, max = 1024): string {
  let out = '';
  for (const b of data.subarray(0, max)) {
    if (b === 0x5c) out += '\\\\';
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else if (b === 0x0d) out += '\\r';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x09) out += '\\t';
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** Control characters folded to spaces, whitespace collapsed: a banner as one readable line. */
export function bannerText(text: string, max = 500): string | null {
  const t = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]+/g, ' ').replace(/\s*\r?\n\s*/g, '\n').replace(/[ \t]+/g, ' ').trim();
  return t ? t.slice(0, max) : null;
}

// Telnet commands (RFC 854) and option negotiation verbs (RFC 855).
const IAC = 255, DONT = 254, DO = 253, WONT = 252, WILL = 251, SB = 250, SE = 240;

/**
 * Splits telnet input into text and the replies that refuse every option the server asks for (DO → WONT,
 * WILL → DONT), so the server goes on to its banner without us agreeing to anything.
 */
export function telnetFilter(data: Buffer): { text: Buffer; replies: Buffer } {
  const text: number[] = [];
  const replies: number[] = [];
  for (let i = 0; i < data.length; i++) {
    const b = data[i];
    if (b !== IAC) { text.push(b); continue; }
    const cmd = data[i + 1];
    if (cmd === undefined) break;
    if (cmd === IAC) { text.push(IAC); i++; continue; }
    if (cmd === DO || cmd === DONT || cmd === WILL || cmd === WONT) {
      const opt = data[i + 2];
      if (opt === undefined) break;
      if (cmd === DO) replies.push(IAC, WONT, opt);
      if (cmd === WILL) replies.push(IAC, DONT, opt);
      i += 2;
      continue;
    }
    if (cmd === SB) {
      // Subnegotiation: skip to IAC SE.
      let j = i + 2;
      while (j < data.length - 1 && !(data[j] === IAC && data[j + 1] === SE)) j++;
      i = j + 1;
      continue;
    }
    i++; // other two-byte commands (NOP, GA, …)
  }
  return { text: Buffer.from(text), replies: Buffer.from(replies) };
}

export interface BannerRead { banner: string; raw: string }

/**
 * Connects and reads what the service says first. FTP: until the greeting's last line ("220 …" after any "220-"
 * lines). Telnet: until a login or password prompt, a pause, or the byte limit. Rejects, saying what came, when
 * nothing readable did.
 */
export function readServiceBanner(kind: 'ftp' | 'telnet', host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<BannerRead> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(new Error('aborted')); return; }
    const socket = net.connect({ host, port });
    let received = Buffer.alloc(0);
    let text = Buffer.alloc(0);
    let done = false;
    let quiet: NodeJS.Timeout | undefined;
    let negotiations = 0;
    const finish = (why: string | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(quiet);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      const banner = bannerText(text.toString('latin1'));
      if (banner && (kind === 'telnet' || /^\d{3}[ -]/.test(banner))) resolve({ banner, raw: escapeBytes(received) });
      else if (banner) reject(new Error(`not an FTP greeting: "${banner.slice(0, 60)}"`));
      else reject(new Error(why ?? 'nothing readable'));
    };
    const timer = setTimeout(() => finish(`no banner within ${timeoutMs} ms`), timeoutMs);
    const onAbort = () => finish('aborted');
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('data', (chunk: Buffer) => {
      const room = MAX_BANNER_BYTES - received.length;
      const part = chunk.subarray(0, Math.max(0, room));
      received = Buffer.concat([received, part]);
      if (kind === 'telnet') {
        const { text: t, replies } = telnetFilter(part);
        text = Buffer.concat([text, t]);
        // Refuse options, but not forever: a server that only negotiates is not going to show a banner.
        if (replies.length && negotiations++ < 16) socket.write(replies);
      } else text = Buffer.concat([text, part]);
      if (room <= chunk.length) { finish(null); return; }
      const s = text.toString('latin1');
      if (kind === 'ftp' ? /(^|\n)\d{3} [^\n]*\r?\n/.test(s) : /(login|user ?name|password)\s*:\s*$/i.test(s)) { finish(null); return; }
      clearTimeout(quiet);
      if (text.length) quiet = setTimeout(() => finish(null), QUIET_MS);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => finish(e.code === 'ECONNREFUSED' ? 'port closed (connection refused)' : (e.code ?? e.message)));
    socket.on('close', () => finish('connection closed without a banner'));
  });
}
