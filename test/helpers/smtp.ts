import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface ReceivedMail { from: string; to: string[]; raw: string; subject: string; body: string; header(name: string): string | undefined }

/** A real SMTP server on 127.0.0.1 that keeps what it receives; `failNext(n)` makes it refuse the next n messages. */
export async function startSmtpPeer() {
  const received: ReceivedMail[] = [];
  let refuse = 0;
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (refuse > 0) { refuse--; const err: any = new Error('451 Try again later'); err.responseCode = 451; return callback(err); }
        const raw = Buffer.concat(chunks).toString('utf8');
        const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
        const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1]?.trim();
        const rawBody = raw.slice(raw.search(/\r?\n\r?\n/)).trim();
        const body = /quoted-printable/i.test(header('Content-Transfer-Encoding') ?? '')
          ? Buffer.from(rawBody.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_x, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8')
          : rawBody;
        received.push({ from: String(session.envelope.mailFrom && (session.envelope.mailFrom as any).address), to: session.envelope.rcptTo.map((r) => r.address), raw, body, subject: decodeSubject(header('Subject') ?? ''), header });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}?ignoreTLS=true`,
    received,
    failNext(n: number) { refuse = n; },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Undoes RFC 2047 encoded words (nodemailer encodes non-ASCII subjects). */
function decodeSubject(s: string): string {
  return s.replace(/=\?utf-8\?([bq])\?([^?]*)\?=\s*/gi, (_m, enc: string, text: string) =>
    enc.toLowerCase() === 'b' ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9a-f]{2})/gi, (_x, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'));
}
