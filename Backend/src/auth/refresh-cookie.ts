import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/config.schema';

/**
 * Attributes of the refresh cookie. `Secure` whenever the request reached us over HTTPS
 * (request.protocol honours X-Forwarded-Proto only when TRUST_PROXY is on), always in
 * production, and always with SameSite=None (browsers drop SameSite=None without Secure).
 */
export function refreshCookieOptions(config: AppConfig, request: FastifyRequest): CookieSerializeOptions {
  const secure = config.NODE_ENV === 'production' || request.protocol === 'https' || config.REFRESH_COOKIE_SAMESITE === 'none';
  return {
    httpOnly: true,
    secure,
    sameSite: config.REFRESH_COOKIE_SAMESITE,
    path: config.REFRESH_COOKIE_PATH,
    ...(config.REFRESH_COOKIE_DOMAIN ? { domain: config.REFRESH_COOKIE_DOMAIN } : {}),
  };
}

export function setRefreshCookie(config: AppConfig, request: FastifyRequest, reply: FastifyReply, token: string, expiresAt: Date) {
  reply.setCookie(config.REFRESH_COOKIE_NAME, token, {
    ...refreshCookieOptions(config, request),
    maxAge: Math.max(0, Math.round((expiresAt.getTime() - Date.now()) / 1000)),
  });
}

export function clearRefreshCookie(config: AppConfig, request: FastifyRequest, reply: FastifyReply) {
  reply.clearCookie(config.REFRESH_COOKIE_NAME, refreshCookieOptions(config, request));
}

export function readRefreshCookie(config: AppConfig, request: FastifyRequest): string | undefined {
  const value = request.cookies?.[config.REFRESH_COOKIE_NAME];
  return value && value.length <= 256 ? value : undefined;
}
