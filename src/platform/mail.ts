import nodemailer from 'nodemailer';
import type { Config } from './config';

export interface MailMessage { to: string; subject: string; text: string; html?: string; headers?: Record<string, string> }

/** Outgoing e-mail: SMTP (nodemailer) when SMTP_URL is set, otherwise written to the log. */
export interface Mailer {
  readonly kind: 'smtp' | 'log';
  send(message: MailMessage): Promise<{ messageId: string }>;
  close(): Promise<void>;
}

/** SMTP_URL examples: smtp://relay.example.gov.uk:25, smtps://user:pass@smtp.example.com:465, smtp://127.0.0.1:2525?ignoreTLS=true */
export function createSmtpMailer(smtpUrl: string, from: string): Mailer {
  const url = new URL(smtpUrl);
  if (!['smtp:', 'smtps:'].includes(url.protocol)) throw new Error(`SMTP_URL must start with smtp:// or smtps://, got ${url.protocol}`);
  const transport = nodemailer.createTransport({
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 587)),
    secure: url.protocol === 'smtps:',
    ignoreTLS: url.searchParams.get('ignoreTLS') === 'true',
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    // A stalled relay must not hold a reminder job for ever.
    connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000,
  });
  return {
    kind: 'smtp',
    async send(m) {
      const info = await transport.sendMail({ from, to: m.to, subject: m.subject, text: m.text, html: m.html, headers: m.headers });
      return { messageId: String(info.messageId) };
    },
    async close() { transport.close(); },
  };
}

export function createMailer(config: Config): Mailer {
  if (config.mail.smtpUrl) return createSmtpMailer(config.mail.smtpUrl, config.mail.from);
  return {
    kind: 'log',
    async send(message) {
      // No relay configured: say what would have been sent (recipient and subject only, never the body).
      console.log(`[mail not configured] to=${message.to} subject=${JSON.stringify(message.subject)}`);
      return { messageId: `log-${Date.now()}` };
    },
    async close() {},
  };
}
