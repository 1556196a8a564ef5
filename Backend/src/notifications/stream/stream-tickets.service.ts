import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config.schema';
import { generateOpaqueToken } from '../../auth/one-time-secrets';
import type { CallerSession } from '../../auth/guards';
import { AppError } from '../../errors/error-body';
import { NotificationsRepository } from '../notifications.repository';
import type { StreamTicketDto } from './notification-stream.dto';

/** 256 random bits, base64url: what generateOpaqueToken makes. */
const TICKET_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/**
 * One-time stream tickets: EventSource cannot send an Authorization header, and an access
 * token in a URL would be written to proxy and server logs while still usable. A ticket is
 * worth one stream, for seconds, and only its hash is stored.
 */
@Injectable()
export class StreamTicketsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repo: NotificationsRepository,
  ) {}

  async issue(session: CallerSession): Promise<StreamTicketDto> {
    const ticket = generateOpaqueToken();
    const expiresAt = new Date(Math.min(Date.now() + this.config.NOTIFICATION_STREAM_TICKET_SECONDS * 1000, session.endsAt.getTime()));
    await this.repo.createStreamTicket(ticket, { userId: session.user.id, tokenVersion: session.tokenVersion, expiresAt, sessionEndsAt: session.endsAt });
    return { ticket, expiresAt: expiresAt.toISOString() };
  }

  async redeem(ticket: unknown): Promise<CallerSession> {
    const redeemed = typeof ticket === 'string' && TICKET_FORMAT.test(ticket) ? await this.repo.redeemStreamTicket(ticket) : null;
    if (!redeemed) {
      throw new AppError(HttpStatus.UNAUTHORIZED, 'STREAM_TICKET_INVALID', 'The stream ticket is invalid, already used or expired; get a new one with POST /notifications/stream-ticket');
    }
    return {
      user: { id: redeemed.userId, email: redeemed.email, role: redeemed.role },
      tokenVersion: redeemed.tokenVersion,
      endsAt: redeemed.sessionEndsAt,
    };
  }
}
