import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import type { Transporter } from 'nodemailer';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import type { RenderedEmail } from './templates';

/**
 * The SMTP transport (nodemailer). Only EmailOutboxSender calls it: every email is first
 * written to the outbox (src/mail/email-outbox.ts), so nothing here is on a request's path.
 */
@Injectable()
export class MailService implements OnModuleDestroy {
  private transport?: Transporter;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Built on first use: most processes never send, and loading nodemailer is about 40 ms of a start (docs/performance.md). */
  private transporter(): Transporter {
    const config = this.config;
    this.transport ??= (require('nodemailer') as typeof import('nodemailer')).createTransport({
      host: config.SMTP_HOST,
      port: config.SMTP_PORT,
      secure: config.SMTP_SECURE,
      // STARTTLS or no mail: a server (or attacker) that drops the STARTTLS offer gets an error, not plain text.
      requireTLS: config.SMTP_REQUIRE_TLS,
      auth: config.SMTP_USER ? { user: config.SMTP_USER, pass: config.SMTP_PASSWORD } : undefined,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
    return this.transport;
  }

  /** Resolves with the SMTP message id once the server accepted the message; rejects otherwise. */
  async send(to: string, email: RenderedEmail): Promise<string> {
    const info = await this.transporter().sendMail({ from: this.config.SMTP_FROM, to, subject: email.subject, text: email.text, html: email.html });
    return info.messageId;
  }

  onModuleDestroy() {
    this.transport?.close();
  }
}
