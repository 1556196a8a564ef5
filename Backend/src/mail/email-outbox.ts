import { Injectable } from '@nestjs/common';
import type { Db } from '../users/users.repository';
import { EmailOutboxSender } from './email-outbox.sender';
import type { RenderedEmail } from './templates';

export type EmailKind = 'verification-code' | 'account-exists' | 'registration-expired' | 'password-reset' | 'password-changed' | 'kyc-decision';

/**
 * How every email is sent: `add` writes it to the EmailOutbox table inside the caller's
 * transaction, so the email exists exactly when the change that causes it commits (a new code
 * and its email, a password change and its notice); `deliverSoon` then hands the committed
 * rows to the sender without making the request wait.
 */
@Injectable()
export class EmailOutbox {
  constructor(private readonly sender: EmailOutboxSender) {}

  async add(db: Db, to: string, kind: EmailKind, email: RenderedEmail): Promise<string> {
    const row = await db.emailOutbox.create({
      data: { recipient: to, kind, subject: email.subject, text: email.text, html: email.html },
      select: { id: true },
    });
    return row.id;
  }

  /** After the commit: a first delivery attempt in the background (EMAIL_OUTBOX_SEND_ON_WRITE). */
  deliverSoon(ids: (string | undefined | null)[]): void {
    this.sender.deliverSoon(ids.filter((id): id is string => typeof id === 'string'));
  }
}
