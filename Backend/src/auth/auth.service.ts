import { randomUUID } from 'node:crypto';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { AuthEventType, AuthRequestKind, OneTimeCodePurpose, Prisma, type OneTimeCode, type RefreshToken, type User } from '@prisma/client';
import type { Logger } from 'pino';
import { APP_CONFIG, APP_LOGGER } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { AppError } from '../errors/error-body';
import { EmailOutbox } from '../mail/email-outbox';
import { emails } from '../mail/templates';
import { RateLimitedError, RateLimitService } from '../rate-limit/rate-limit.service';
import { normalizeEmail } from '../users/email';
import { PasswordHasher } from '../users/password-hasher';
import { toUserDto, type UserDto } from '../users/user.dto';
import { UsersRepository } from '../users/users.repository';
import { AccessTokens } from './access-tokens';
import { AuthRequestsService } from './auth-requests.service';
import { AuthRepository } from './auth.repository';
import type { ClientContext } from './client-context';
import { codeHasher, generateOpaqueToken, sameHash, sha256 } from './one-time-secrets';

/** A new login: the access token goes to the body, the refresh token only to the cookie. */
export interface Session {
  accessToken: string;
  expiresIn: number;
  user: UserDto;
  refreshToken: string;
  refreshExpiresAt: Date;
}

const invalidCode = () => new AppError(HttpStatus.BAD_REQUEST, 'INVALID_CODE', 'The code is invalid, expired or already used; request a new one');
const invalidResetToken = () => new AppError(HttpStatus.BAD_REQUEST, 'INVALID_RESET_TOKEN', 'The reset link is invalid, expired or already used; request a new one');
const invalidRefresh = () => new AppError(HttpStatus.UNAUTHORIZED, 'INVALID_REFRESH_TOKEN', 'The session is invalid or has ended; log in again');
const invalidCredentials = () => new AppError(HttpStatus.UNAUTHORIZED, 'INVALID_CREDENTIALS', 'Email or password is incorrect');
const lockedOut = (seconds: number) =>
  new RateLimitedError(seconds, 'LOGIN_LOCKED', 'Too many failed logins; try again later');

/** The rules of identity: registration, verification, login, sessions and password reset. */
@Injectable()
export class AuthService {
  private readonly hashCode: (purpose: string, userId: string, code: string) => string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    private readonly users: UsersRepository,
    private readonly repo: AuthRepository,
    private readonly passwords: PasswordHasher,
    private readonly tokens: AccessTokens,
    private readonly outbox: EmailOutbox,
    private readonly limits: RateLimitService,
    private readonly requests: AuthRequestsService,
  ) {
    this.hashCode = codeHasher(config.JWT_SECRET);
  }

  // --- registration and email verification ---

  /**
   * Always answers the same way, after the same work: the password is hashed and the request
   * written, whether the address is new, unverified or verified. AuthRequestsService then
   * creates the account or a new code bound to this password and name, or tells a verified
   * owner by email (docs/auth.md, "Credential binding").
   */
  async register(input: { email: string; password: string; name: string }, context: ClientContext): Promise<void> {
    const email = normalizeEmail(input.email);
    await this.limits.consume('register', context.ip, email);
    const passwordHash = await this.passwords.hash(input.password);
    await this.requests.submit(AuthRequestKind.REGISTER, email, context, { passwordHash, name: input.name });
  }

  async resendVerification(input: { email: string }, context: ClientContext): Promise<void> {
    const email = normalizeEmail(input.email);
    await this.limits.consume('resend-verification', context.ip, email);
    await this.requests.submit(AuthRequestKind.RESEND_VERIFICATION, email, context);
  }

  /**
   * Only a live, correct code verifies an address and logs in. An already verified account
   * has no live code, so it can never be logged in through this route (the old takeover).
   * Verifying sets the password and name the code was issued with and ends every session
   * and access token the account had (an earlier registrant's included).
   */
  async verifyEmail(input: { email: string; code: string }, context: ClientContext): Promise<Session> {
    const email = normalizeEmail(input.email);
    await this.limits.consume('verify-email', context.ip, email);
    const user = await this.users.findByEmail(email);
    if (!user || user.emailVerifiedAt) {
      if (user) await this.repo.recordEvent(AuthEventType.EMAIL_VERIFICATION_FAILED, user.id, context, { reason: 'already_verified' });
      throw invalidCode();
    }
    const purpose = OneTimeCodePurpose.EMAIL_VERIFICATION;
    const code = await this.checkOneTimeSecret(user, purpose, this.hashCode(purpose, user.id, input.code), context, AuthEventType.EMAIL_VERIFICATION_FAILED);
    if (!code) throw invalidCode();
    // Every verification code is issued with a registration's credentials; one without (left by
    // an older version) would verify whatever the row holds, perhaps a first registrant's.
    const { pendingPasswordHash: passwordHash, pendingName: name } = code;
    if (!passwordHash || !name) throw invalidCode();
    const verified = await this.repo.transaction(async (tx) => {
      if (!(await this.repo.consumeCode(code.id, tx))) return false;
      if (!(await this.users.completeVerification(user.id, { passwordHash, name }, tx))) return false;
      await this.repo.invalidateCodes(user.id, purpose, tx);
      const revoked = await this.repo.revokeAllForUser(user.id, tx);
      await this.repo.recordEvent(AuthEventType.EMAIL_VERIFIED, user.id, context, { revokedSessions: revoked }, tx);
      return true;
    });
    if (!verified) throw invalidCode();
    await this.limits.recordLoginSuccess(email, context.ip);
    const fresh = await this.users.recordLoginSuccess(user.id);
    await this.repo.recordEvent(AuthEventType.LOGIN_SUCCEEDED, user.id, context, { via: 'verify-email' });
    return this.startSession(fresh, context);
  }

  /**
   * Spends one attempt on the user's live code and compares hashes. Returns the code row
   * when it matches; null when there is none, it expired, ran out of attempts or differs.
   */
  private async checkOneTimeSecret(user: User, purpose: OneTimeCodePurpose, presentedHash: string, context: ClientContext, failure: AuthEventType): Promise<OneTimeCode | null> {
    const code = await this.repo.latestLiveCode(user.id, purpose);
    let reason: string | undefined;
    if (!code) reason = 'no_live_code';
    else if (code.expiresAt <= new Date()) reason = 'expired';
    else if (!(await this.repo.spendAttempt(code))) reason = 'no_attempts_left';
    else if (!sameHash(code.codeHash, presentedHash)) reason = 'mismatch';
    if (reason) {
      await this.repo.recordEvent(failure, user.id, context, { reason });
      return null;
    }
    return code;
  }

  // --- login and sessions ---

  /**
   * Throttling (docs/auth.md): per client IP on every request; per (account, IP) and per
   * account on failures only. Known and unknown addresses go through the same counters and
   * the same argon2 work, so answers, headers and timing do not reveal which exist.
   */
  async login(input: { email: string; password: string }, context: ClientContext): Promise<Session> {
    const email = normalizeEmail(input.email);
    await this.limits.consume('login', context.ip);
    const [wait, user] = await Promise.all([this.limits.loginWaitSeconds(email, context.ip), this.users.findByEmail(email)]);
    if (wait > 0) {
      await this.repo.recordEvent(AuthEventType.LOGIN_FAILED, user?.id ?? null, context, { reason: 'locked' });
      throw lockedOut(wait);
    }
    const passwordOk = user ? await this.passwords.verify(user.passwordHash, input.password) : await this.passwords.verifyDummy(input.password).then(() => false);
    if (!user || !passwordOk) {
      const { accountLockedSeconds } = await this.limits.recordLoginFailure(email, context.ip);
      const lockedUntil = accountLockedSeconds ? new Date(Date.now() + accountLockedSeconds * 1000) : null;
      await this.repo.recordLoginFailure(user?.id ?? null, lockedUntil, context, user ? 'wrong_password' : 'unknown_email');
      if (lockedUntil) {
        await this.repo.recordEvent(AuthEventType.ACCOUNT_LOCKED, user?.id ?? null, context, { until: lockedUntil.toISOString(), scope: 'new_ips' });
        this.logger.warn({ userId: user?.id ?? null }, 'login failure budget of an account spent; only IPs it logged in from before may try');
      }
      throw invalidCredentials();
    }
    if (!user.emailVerifiedAt) {
      await this.repo.recordEvent(AuthEventType.LOGIN_FAILED, user.id, context, { reason: 'email_not_verified' });
      throw new AppError(HttpStatus.FORBIDDEN, 'EMAIL_NOT_VERIFIED', 'Verify your email address before logging in (use the code we sent, or ask for a new one)');
    }
    await this.limits.recordLoginSuccess(email, context.ip);
    const fresh = await this.users.recordLoginSuccess(user.id);
    await this.repo.recordEvent(AuthEventType.LOGIN_SUCCEEDED, user.id, context);
    return this.startSession(fresh, context);
  }

  private async startSession(user: User, context: ClientContext, familyId: string = randomUUID(), db?: Prisma.TransactionClient): Promise<Session> {
    const refreshToken = generateOpaqueToken();
    const refreshExpiresAt = new Date(Date.now() + this.config.REFRESH_TOKEN_TTL_SECONDS * 1000);
    await this.repo.createRefreshToken({ userId: user.id, familyId, tokenHash: sha256(refreshToken), expiresAt: refreshExpiresAt, context }, db);
    return {
      accessToken: await this.tokens.sign(user),
      expiresIn: this.tokens.lifetimeSeconds,
      user: toUserDto(user),
      refreshToken,
      refreshExpiresAt,
    };
  }

  /** Within REFRESH_REUSE_GRACE_SECONDS of its rotation, a rotated token is another tab's concurrent refresh. */
  private withinReuseGrace(token: RefreshToken): boolean {
    return token.rotatedAt !== null && Date.now() - token.rotatedAt.getTime() < this.config.REFRESH_REUSE_GRACE_SECONDS * 1000;
  }

  /**
   * Rotation: the presented token dies and a new one of the same family is issued. A token
   * rotated moments ago (two tabs refreshing with the same cookie) gets another new token of
   * the same family; one rotated longer ago is a stolen copy (or a replay): the whole family
   * is revoked.
   */
  async refresh(refreshToken: string | undefined, context: ClientContext): Promise<Session> {
    if (!refreshToken) throw new AppError(HttpStatus.UNAUTHORIZED, 'REFRESH_TOKEN_MISSING', 'No session cookie; log in');
    const row = await this.repo.findRefreshToken(sha256(refreshToken));
    if (!row || row.revokedAt || row.expiresAt <= new Date()) throw invalidRefresh();
    const outcome = await this.repo.transaction(async (tx): Promise<Session | 'invalid' | 'reused'> => {
      // Of concurrent refreshes with this token, exactly one passes this conditional UPDATE;
      // the others see the rotation it made and fall under the grace rule below.
      if (!(await this.repo.markRotated(row.id, tx))) {
        const current = await this.repo.findRefreshTokenById(row.id, tx);
        if (!current || current.revokedAt) return 'invalid';
        if (!this.withinReuseGrace(current)) {
          // Unrotated when read, rotated now: lost a race with a concurrent refresh, not a replay.
          return row.rotatedAt === null ? 'invalid' : 'reused';
        }
      }
      const user = await this.users.findById(row.userId, tx);
      if (!user) return 'invalid';
      return this.startSession(user, context, row.familyId, tx);
    });
    if (outcome === 'invalid') throw invalidRefresh();
    if (outcome === 'reused') {
      const revoked = await this.repo.revokeFamily(row.familyId);
      await this.repo.recordEvent(AuthEventType.REFRESH_TOKEN_REUSED, row.userId, context, { familyId: row.familyId, revoked });
      this.logger.warn({ userId: row.userId, familyId: row.familyId }, 'refresh token reuse detected; session family revoked');
      throw new AppError(HttpStatus.UNAUTHORIZED, 'REFRESH_TOKEN_REUSED', 'This session was ended for safety; log in again');
    }
    return outcome;
  }

  /** Ends the session family of this cookie only (other devices stay logged in). */
  async logout(refreshToken: string | undefined, context: ClientContext): Promise<void> {
    if (!refreshToken) return;
    const row = await this.repo.findRefreshToken(sha256(refreshToken));
    if (!row) return;
    const revoked = await this.repo.revokeFamily(row.familyId);
    if (revoked > 0) await this.repo.recordEvent(AuthEventType.LOGOUT, row.userId, context, { familyId: row.familyId });
  }

  /** Ends every session of the user, on every device: refresh tokens and access tokens. */
  async logoutEverywhere(userId: string, context: ClientContext): Promise<void> {
    await this.repo.transaction(async (tx) => {
      const revoked = await this.repo.revokeAllForUser(userId, tx);
      await this.users.bumpTokenVersion(userId, tx);
      await this.repo.recordEvent(AuthEventType.LOGOUT_ALL, userId, context, { revoked }, tx);
    });
  }

  // --- password reset ---

  /** Same answer after the same work whether or not the address has an account (the link is made by AuthRequestsService). */
  async requestPasswordReset(input: { email: string }, context: ClientContext): Promise<void> {
    const email = normalizeEmail(input.email);
    await this.limits.consume('password-reset', context.ip, email);
    await this.requests.submit(AuthRequestKind.PASSWORD_RESET, email, context);
  }

  /**
   * Sets the new password, proves the address, ends every session and access token of the
   * user, records the event and writes the notice, all in one transaction. Limited per IP
   * only: a 256-bit token cannot be guessed, and a per-account limit or attempt counter
   * would let strangers burn the owner's link.
   */
  async completePasswordReset(input: { email: string; token: string; password: string }, context: ClientContext): Promise<void> {
    const email = normalizeEmail(input.email);
    await this.limits.consume('password-reset-complete', context.ip);
    const user = await this.users.findByEmail(email);
    if (!user) throw invalidResetToken();
    const code = await this.repo.findResetCode(user.id, sha256(input.token));
    if (!code || code.expiresAt <= new Date()) {
      await this.repo.recordEvent(AuthEventType.PASSWORD_RESET_FAILED, user.id, context, { reason: code ? 'expired' : 'mismatch' });
      throw invalidResetToken();
    }
    const passwordHash = await this.passwords.hash(input.password);
    const outboxId = await this.repo.transaction(async (tx) => {
      if (!(await this.repo.consumeCode(code.id, tx))) return null;
      await this.users.setPasswordFromReset(user.id, passwordHash, tx);
      // The link reached the inbox, so the address is proven too; pending registrations die.
      await this.users.markEmailVerified(user.id, tx);
      await this.repo.invalidateCodes(user.id, OneTimeCodePurpose.PASSWORD_RESET, tx);
      await this.repo.invalidateCodes(user.id, OneTimeCodePurpose.EMAIL_VERIFICATION, tx);
      const revoked = await this.repo.revokeAllForUser(user.id, tx);
      await this.repo.recordEvent(AuthEventType.PASSWORD_RESET_COMPLETED, user.id, context, { revokedSessions: revoked }, tx);
      return this.outbox.add(tx, user.email, 'password-changed', emails.passwordChanged(user.name));
    });
    if (!outboxId) throw invalidResetToken();
    this.outbox.deliverSoon([outboxId]);
    await this.limits.clearLoginFailures(email);
  }
}
