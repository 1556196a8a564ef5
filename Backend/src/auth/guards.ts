import { applyDecorators, CanActivate, createParamDecorator, ExecutionContext, HttpStatus, Injectable, SetMetadata, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiBearerAuth } from '@nestjs/swagger';
import { Role } from '@prisma/client';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors/error-body';
import { UsersRepository, type SessionUser } from '../users/users.repository';
import { AccessTokens } from './access-tokens';
import { ApiErrors } from '../errors/api-errors';

/** The authenticated caller, as the database says now (role changes apply at once). */
export interface AuthenticatedUser {
  id: string;
  email: string;
  role: Role;
}

/** Who is calling and until when: long-lived responses (the notification stream) end with it. */
export interface CallerSession {
  user: AuthenticatedUser;
  tokenVersion: number;
  endsAt: Date;
}

export type AuthenticatedRequest = FastifyRequest & { user?: AuthenticatedUser; session?: CallerSession; userRecord?: SessionUser };

const ROLES_KEY = 'kv:roles';

/** Accepts `Authorization: Bearer <access JWT>` of an existing user. */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    private readonly tokens: AccessTokens,
    private readonly users: UsersRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const { record, ...session } = await this.authenticate(request.headers.authorization);
    request.user = session.user;
    request.session = session;
    // The row just read: handlers that show the caller need no second query (CurrentUserRecord).
    request.userRecord = record;
    return true;
  }

  /** The caller behind an `Authorization` header (and the user row read), or the 401 that explains why not. */
  async authenticate(header: string | undefined): Promise<CallerSession & { record: SessionUser }> {
    const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header) : null;
    if (!match) throw new AppError(HttpStatus.UNAUTHORIZED, 'ACCESS_TOKEN_MISSING', 'An access token is required (Authorization: Bearer <token>)');
    const result = await this.tokens.check(match[1]!);
    if (!result.ok) {
      throw result.reason === 'expired'
        ? new AppError(HttpStatus.UNAUTHORIZED, 'ACCESS_TOKEN_EXPIRED', 'The access token has expired; refresh it')
        : new AppError(HttpStatus.UNAUTHORIZED, 'ACCESS_TOKEN_INVALID', 'The access token is invalid');
    }
    const user = await this.users.findSessionUser(result.claims.sub);
    if (!user) throw new AppError(HttpStatus.UNAUTHORIZED, 'ACCESS_TOKEN_INVALID', 'The access token is invalid');
    // Logout-all, a password reset, a role change and email verification bump the version.
    if (result.claims.ver !== user.tokenVersion) {
      throw new AppError(HttpStatus.UNAUTHORIZED, 'ACCESS_TOKEN_REVOKED', 'The session has ended; log in again');
    }
    return {
      user: { id: user.id, email: user.email, role: user.role },
      tokenVersion: user.tokenVersion,
      endsAt: new Date(result.claims.exp * 1000),
      record: user,
    };
  }
}

/** Runs after AccessTokenGuard: refuses callers without one of the route's roles. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [context.getHandler(), context.getClass()]);
    if (!roles || roles.length === 0) return true;
    const user = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
    if (!user || !roles.includes(user.role)) {
      throw new AppError(HttpStatus.FORBIDDEN, 'FORBIDDEN_ROLE', `This action needs role ${roles.join(' or ')}`);
    }
    return true;
  }
}

/** Route or controller needs a valid access token (documented as bearer auth). */
export function Authenticated() {
  return applyDecorators(UseGuards(AccessTokenGuard), ApiBearerAuth('access-token'), ApiErrors(401));
}

/** Route or controller needs a valid access token of a user with one of `roles`. */
export function RequireRoles(...roles: Role[]) {
  return applyDecorators(SetMetadata(ROLES_KEY, roles), UseGuards(AccessTokenGuard, RolesGuard), ApiBearerAuth('access-token'), ApiErrors(401, 403));
}

export const CurrentUser = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthenticatedUser => {
  const user = ctx.switchToHttp().getRequest<AuthenticatedRequest>().user;
  if (!user) throw new Error('CurrentUser used on a route without @Authenticated()');
  return user;
});

/** The caller's user row as AccessTokenGuard read it for this request. */
export const CurrentUserRecord = createParamDecorator((_data: unknown, ctx: ExecutionContext): SessionUser => {
  const record = ctx.switchToHttp().getRequest<AuthenticatedRequest>().userRecord;
  if (!record) throw new Error('CurrentUserRecord used on a route without @Authenticated()');
  return record;
});
