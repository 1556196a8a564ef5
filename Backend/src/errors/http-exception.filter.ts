import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { reportRequestError } from '../error-tracking/error-tracking';
import { AppError, toErrorBody } from './error-body';

/** Every error leaves the API in the one error shape; 5xx details go to the log (and Sentry), not the client. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost) {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();
    sendError(reply, request, exception, this.logger);
  }
}

export function sendError(reply: FastifyReply, request: FastifyRequest, exception: unknown, logger: Logger) {
  const body = toErrorBody(exception);
  if (body.statusCode >= 500) {
    logger.error({ err: exception, reqId: request.id }, 'request failed');
    // A 5xx AppError is an answer the app chose (NOT_READY, SHUTTING_DOWN): logged, not reported.
    if (!(exception instanceof AppError)) reportRequestError(exception, request, body.statusCode);
  }
  if (body.statusCode === 429 && exception && typeof (exception as { retryAfterSeconds?: number }).retryAfterSeconds === 'number') {
    reply.header('retry-after', String((exception as { retryAfterSeconds: number }).retryAfterSeconds));
  }
  void reply.status(body.statusCode).type('application/json; charset=utf-8').send({ ...body, requestId: request.id });
}
