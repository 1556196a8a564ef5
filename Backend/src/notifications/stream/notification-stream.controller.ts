import { Controller, Get, HttpCode, HttpStatus, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Authenticated, type AuthenticatedRequest } from '../../auth/guards';
import { ApiErrors } from '../../errors/api-errors';
import { invalidField } from '../../errors/error-body';
import { STREAM_POSITION, StreamQuery, StreamTicketDto } from './notification-stream.dto';
import { NotificationStreamsService } from './notification-streams.service';
import { StreamAuthGuard } from './stream-auth.guard';
import { StreamTicketsService } from './stream-tickets.service';

const EVENT_STREAM_DOC = [
  'Server-Sent Events, owner only. Events: `notification` (data: a Notification as in GET /notifications; `id:` is the stream position),',
  '`session-expired` and `session-revoked` (the stream then ends: get a new token or ticket and reconnect).',
  'A comment line (`: heartbeat`) is sent every NOTIFICATION_STREAM_HEARTBEAT_SECONDS. Reconnecting with `Last-Event-ID`',
  '(EventSource does it itself) or `?lastEventId=` replays every notification after that position first.',
].join(' ');

/**
 * The schema of one event of the stream (for text/event-stream, OpenAPI tools such as
 * schemathesis apply the schema to each parsed event, not to the whole text).
 */
const STREAM_EVENT_SCHEMA = {
  type: 'object',
  required: ['event', 'data'],
  properties: {
    event: { type: 'string', enum: ['notification', 'session-expired', 'session-revoked'] },
    data: { type: 'string', description: 'JSON: the Notification for `notification`, `{}` for the others' },
    id: { type: 'string', pattern: STREAM_POSITION.source, description: 'Stream position (on `notification` events; send it back as Last-Event-ID)' },
    retry: { type: 'integer', description: 'Reconnect delay in milliseconds' },
  },
};

@ApiTags('notifications')
@Controller('notifications')
export class NotificationStreamController {
  constructor(
    private readonly streams: NotificationStreamsService,
    private readonly tickets: StreamTicketsService,
  ) {}

  @Post('stream-ticket')
  @Authenticated()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'A one-time ticket to open my notification stream from EventSource', description: 'Valid once, for NOTIFICATION_STREAM_TICKET_SECONDS; the stream it opens ends when the access token used here expires.' })
  @ApiCreatedResponse({ type: StreamTicketDto })
  issueTicket(@Req() request: AuthenticatedRequest): Promise<StreamTicketDto> {
    return this.tickets.issue(request.session!);
  }

  @Get('stream')
  @UseGuards(StreamAuthGuard)
  // Either one: the bearer token (fetch-based clients) or a one-time ticket (EventSource).
  @ApiBearerAuth('access-token')
  @ApiSecurity('stream-ticket')
  @ApiOperation({ summary: 'My notifications, live (Server-Sent Events)', description: EVENT_STREAM_DOC })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Replay from after this event id (sent by EventSource when it reconnects)' })
  @ApiOkResponse({ description: 'An event stream that stays open', content: { 'text/event-stream': { schema: STREAM_EVENT_SCHEMA, example: 'id: 42\nevent: notification\ndata: {"id":"…","title":"Deposit credited","body":"…","readAt":null,"createdAt":"…"}\n\n' } } })
  @ApiErrors(400, 401, 429, 503)
  async stream(
    @Req() request: AuthenticatedRequest,
    @Res() reply: FastifyReply,
    @Query() query: StreamQuery,
  ): Promise<void> {
    const header = request.headers['last-event-id'];
    const lastEventId = typeof header === 'string' && header !== '' ? header : query.lastEventId;
    if (lastEventId !== undefined && !STREAM_POSITION.test(lastEventId)) throw invalidField('Last-Event-ID', 'must be an event id from this stream (digits)');
    const session = request.session!;
    await this.streams.open({ userId: session.user.id, tokenVersion: session.tokenVersion, endsAt: session.endsAt }, lastEventId === undefined ? undefined : BigInt(lastEventId), request, reply);
  }
}
