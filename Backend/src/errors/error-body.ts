import { HttpException, HttpStatus } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { isDatabaseUnavailable } from '../database/db-errors';
import { errorCodesMarkdown, type ErrorCode } from './error-codes';

export class FieldErrorDto {
  @ApiProperty({ example: 'email' }) field!: string;
  @ApiProperty({ example: 'email must be an email' }) message!: string;
}

/** The one error shape every endpoint answers with. */
export class ErrorBodyDto {
  @ApiProperty({ example: 400 }) statusCode!: number;
  @ApiProperty({
    example: 'VALIDATION_FAILED',
    description: `Stable machine-readable code (\`HTTP_<status>\` for a status not listed):\n\n${errorCodesMarkdown()}`,
  })
  error!: string;
  @ApiProperty({ example: 'Request validation failed' }) message!: string;
  @ApiPropertyOptional({ type: [FieldErrorDto] }) details?: FieldErrorDto[];
  @ApiPropertyOptional({ example: 'b3c1d7e2-...' }) requestId?: string;
}

export type ErrorBody = { statusCode: number; error: string; message: string; details?: FieldErrorDto[]; requestId?: string };

/** Throw this from services for a clear 4xx with a stable code. */
export class AppError extends HttpException {
  constructor(status: HttpStatus, readonly code: ErrorCode, message: string, readonly details?: FieldErrorDto[]) {
    super(message, status);
  }
}

/** The 400 a service throws for one bad field, in the same shape as DTO validation errors. */
export function invalidField(field: string, message: string): AppError {
  return new AppError(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', `Invalid request: ${field}`, [{ field, message }]);
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_ENTITY',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL_ERROR',
  503: 'SERVICE_UNAVAILABLE',
};

/**
 * Maps anything thrown while handling a request to the error shape; never leaks internals.
 * Fastify's own errors (bad JSON, media type, body size) arrive as HttpExceptions: Nest
 * maps them by status with fastify's message.
 */
export function toErrorBody(exception: unknown): ErrorBody {
  if (exception instanceof AppError) {
    return { statusCode: exception.getStatus(), error: exception.code, message: exception.message, ...(exception.details ? { details: exception.details } : {}) };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const message = typeof response === 'string' ? response : String((response as { message?: unknown }).message ?? exception.message);
    return { statusCode: status, error: CODE_BY_STATUS[status] ?? `HTTP_${status}`, message };
  }
  // The database is down, restarting or out of connections: not a bug of this request, and
  // worth retrying (another replica, a moment later). Failing fast is the pool's job
  // (DATABASE_CONNECT_TIMEOUT_MS); saying so is this one's.
  if (isDatabaseUnavailable(exception)) {
    return { statusCode: 503, error: 'DATABASE_UNAVAILABLE', message: 'The database is unavailable; try again shortly' };
  }
  return { statusCode: 500, error: 'INTERNAL_ERROR', message: 'Internal server error' };
}
