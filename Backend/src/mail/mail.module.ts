import { Module } from '@nestjs/common';
import { EmailOutbox } from './email-outbox';
import { EmailOutboxSender } from './email-outbox.sender';
import { MailService } from './mail.service';

@Module({ providers: [MailService, EmailOutbox, EmailOutboxSender], exports: [EmailOutbox, EmailOutboxSender] })
export class MailModule {}
