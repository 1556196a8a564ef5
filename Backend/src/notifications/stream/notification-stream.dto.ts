import { ApiHideProperty, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';

/** A stream position: the `id:` of the last event received (a bigint id; 18 digits keep it below int8's maximum). */
export const STREAM_POSITION = /^\d{1,18}$/;

export class StreamQuery {
  /** Documented as the `stream-ticket` security scheme (an alternative to the bearer token). */
  @ApiHideProperty()
  @IsOptional()
  @IsString()
  ticket?: string;

  @ApiPropertyOptional({
    description: 'Replay from after this event id, for clients that reconnect with a new EventSource (the Last-Event-ID header wins when both are sent)',
    pattern: STREAM_POSITION.source,
  })
  @IsOptional()
  @Matches(STREAM_POSITION, { message: 'lastEventId must be an event id from this stream (digits)' })
  lastEventId?: string;
}

export class StreamTicketDto {
  @ApiProperty({ description: 'Use once, as GET /notifications/stream?ticket=...' }) ticket!: string;
  @ApiProperty({ type: String, format: 'date-time', description: 'Redeem before this instant' }) expiresAt!: string;
}
