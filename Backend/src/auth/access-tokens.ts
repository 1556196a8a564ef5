import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { Role } from '@prisma/client';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';

export interface AccessTokenClaims {
  sub: string;
  role: Role;
  typ: 'access';
  /**
   * The user's tokenVersion when the token was issued. A counter, not a time: `iat` has
   * one-second granularity, so "issued before the logout" could not be told apart from
   * "issued in the same second just after it".
   */
  ver: number;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

export function durationToSeconds(value: string): number {
  const match = /^(\d+)([smhd])$/.exec(value);
  if (!match) throw new Error(`not a duration: ${value}`);
  return Number(match[1]) * UNIT_SECONDS[match[2]!]!;
}

export type AccessTokenCheck = { ok: true; claims: AccessTokenClaims & { exp: number } } | { ok: false; reason: 'expired' | 'invalid' };

/** Short-lived access JWTs: HS256 only, both when signing and when verifying. */
@Injectable()
export class AccessTokens {
  readonly lifetimeSeconds: number;

  constructor(
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.lifetimeSeconds = durationToSeconds(config.JWT_EXPIRES_IN);
  }

  sign(user: { id: string; role: Role; tokenVersion: number }): Promise<string> {
    const claims: AccessTokenClaims = { sub: user.id, role: user.role, typ: 'access', ver: user.tokenVersion };
    return this.jwt.signAsync(claims, { algorithm: 'HS256', expiresIn: this.lifetimeSeconds });
  }

  async check(token: string): Promise<AccessTokenCheck> {
    try {
      const claims = await this.jwt.verifyAsync<AccessTokenClaims & { exp?: number }>(token, { algorithms: ['HS256'] });
      if (claims.typ !== 'access' || typeof claims.sub !== 'string' || typeof claims.exp !== 'number' || !Number.isInteger(claims.ver)) {
        return { ok: false, reason: 'invalid' };
      }
      return { ok: true, claims: { ...claims, exp: claims.exp } };
    } catch (error) {
      return { ok: false, reason: (error as Error).name === 'TokenExpiredError' ? 'expired' : 'invalid' };
    }
  }
}
