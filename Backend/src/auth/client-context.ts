import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** Who is calling, for audit rows and rate limits. `ip` honours TRUST_PROXY (X-Forwarded-For). */
export interface ClientContext {
  ip: string;
  userAgent: string | null;
  /** https when the request was HTTPS at the edge (X-Forwarded-Proto from a trusted proxy). */
  protocol: 'http' | 'https';
}

const MAX_USER_AGENT = 512;

export function clientContextOf(request: FastifyRequest): ClientContext {
  const userAgent = request.headers['user-agent'];
  return {
    ip: request.ip,
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, MAX_USER_AGENT) : null,
    protocol: request.protocol === 'https' ? 'https' : 'http',
  };
}

export const Client = createParamDecorator((_data: unknown, ctx: ExecutionContext) => clientContextOf(ctx.switchToHttp().getRequest<FastifyRequest>()));
