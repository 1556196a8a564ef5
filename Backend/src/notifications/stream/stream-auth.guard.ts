import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { AccessTokenGuard, type AuthenticatedRequest } from '../../auth/guards';
import { StreamTicketsService } from './stream-tickets.service';

/**
 * `?ticket=` (EventSource) or `Authorization: Bearer` (fetch-based clients). When both are sent
 * the ticket decides who the caller is, but the Authorization header must be valid too: a
 * presented credential that is refused is a 401, never ignored (found by schemathesis' ignored-auth check).
 */
@Injectable()
export class StreamAuthGuard implements CanActivate {
  constructor(
    private readonly bearer: AccessTokenGuard,
    private readonly tickets: StreamTicketsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const ticket = (request.query as Record<string, unknown> | undefined)?.ticket;
    if (ticket === undefined || request.headers.authorization !== undefined) await this.bearer.canActivate(context);
    if (ticket === undefined) return true;
    const session = await this.tickets.redeem(ticket);
    request.user = session.user;
    request.session = session;
    return true;
  }
}
