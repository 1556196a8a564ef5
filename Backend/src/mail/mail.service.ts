import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import { APP_CONFIG, APP_LOGGER } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import type { RenderedEmail } from './templates';

/** Sends email over SMTP (nodemailer). Never logs recipients' secrets or message bodies. */
@Injectable()
export class MailService implements OnModuleDestroy {
  private readonly transport: Transporter;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {
    this.transport = nodemailer.createTransport({
      host: config.SMTP_HOST,
      port: config.SMTP_PORT,
      secure: config.SMTP_SECURE,
      auth: config.SMTP_USER ? { user: config.SMTP_USER, pass: config.SMTP_PASSWORD } : undefined,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
  }

  async send(to: string, kind: string, email: RenderedEmail): Promise<void> {
    const info = await this.transport.sendMail({ from: this.config.SMTP_FROM, to, subject: email.subject, text: email.text, html: email.html });
    this.logger.info({ mail: kind, messageId: info.messageId }, 'email sent');
  }

  /**
   * Sends without making the caller wait: answers that must not reveal whether an
   * account exists take the same time whether or not an email goes out.
   */
  sendInBackground(to: string, kind: string, email: RenderedEmail): void {
    const job = this.send(to, kind, email)
      .catch((error: Error) => this.logger.error({ mail: kind, err: { message: error.message } }, 'email could not be sent'))
      .finally(() => this.pending.delete(job));
    this.pending.add(job);
  }

  /** Lets queued emails go out before the process stops. */
  async onModuleDestroy() {
    await Promise.race([Promise.allSettled([...this.pending]), new Promise((r) => setTimeout(r, 10_000).unref())]);
    this.transport.close();
  }
}
