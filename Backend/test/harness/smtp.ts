import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  raw: string;
}

export interface TestSmtp {
  host: string;
  port: number;
  /** Every message received, in order. */
  messages: ReceivedMail[];
  /** SMTP_* variables pointing the app at this server. */
  env: Record<string, string>;
  /** Resolves with the next message to `address` not returned before (waits for it). */
  nextMailTo(address: string, timeoutMs?: number): Promise<ReceivedMail>;
  /** Messages to `address` not yet returned by nextMailTo. */
  unreadFor(address: string): ReceivedMail[];
  close(): Promise<void>;
}

/**
 * A real SMTP server on a free localhost port (or `port`: an outage that ends); messages are
 * parsed with mailparser. `refuses(address)` answers 550 to that recipient.
 */
export async function startTestSmtp(options: { port?: number; refuses?: (address: string) => boolean } = {}): Promise<TestSmtp> {
  const messages: ReceivedMail[] = [];
  const taken = new Set<ReceivedMail>();
  const waiters: (() => void)[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (options.refuses?.(address.address)) return callback(Object.assign(new Error('5.1.1 No such mailbox here'), { responseCode: 550 }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then((parsed) => {
            messages.push({
              to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              raw: raw.toString('utf8'),
            });
            waiters.splice(0).forEach((wake) => wake());
            callback();
          })
          .catch(callback);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;

  const unreadFor = (address: string) => messages.filter((m) => !taken.has(m) && m.to.includes(address.toLowerCase()));

  return {
    host: '127.0.0.1',
    port,
    messages,
    env: { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port), SMTP_SECURE: 'false', SMTP_FROM: 'KryptoVault <no-reply@kryptovault.test>' },
    unreadFor,
    async nextMailTo(address, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const mail = unreadFor(address)[0];
        if (mail) {
          taken.add(mail);
          return mail;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no email to ${address} within ${timeoutMs} ms (received ${messages.length} in total)`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 500));
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The 6-digit code in the text part of a verification email. */
export function codeFrom(mail: ReceivedMail): string {
  const match = /verification code is: (\d{6})\b/.exec(mail.text);
  if (!match) throw new Error(`no verification code in email text: ${mail.subject}`);
  return match[1]!;
}

/** The reset link and its token in the text part of a password reset email. */
export function resetLinkFrom(mail: ReceivedMail): { link: URL; token: string; email: string } {
  const match = /(https?:\/\/\S+)/.exec(mail.text);
  if (!match) throw new Error(`no link in email text: ${mail.subject}`);
  const link = new URL(match[1]!);
  return { link, token: link.searchParams.get('token') ?? '', email: link.searchParams.get('email') ?? '' };
}
