import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { AccessTokenGuard, type AuthenticatedRequest } from '../../auth/guards';
import { StreamTicketsService } from './stream-tickets.service';

/** `?ticket=` (EventSource) or `Authorization: Bearer` (fetch-based clients); the ticket wins when both are sent. */
@Injectable()
export class StreamAuthGuard implements CanActivate {
  constructor(
    private readonly bearer: AccessTokenGuard,
    private readonly tickets: StreamTicketsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const ticket = (request.query as Record<string, unknown> | undefined)?.ticket;
    if (ticket === undefined) return this.bearer.canActivate(context);
    const session = await this.tickets.redeem(ticket);
    request.user = session.user;
    request.session = session;
    return true;
  }
}
