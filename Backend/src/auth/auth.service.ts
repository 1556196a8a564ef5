import { randomUUID } from 'node:crypto';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { AuthEventType, OneTimeCodePurpose, Prisma, type OneTimeCode, type User } from '@prisma/client';
import type { Logger } from 'pino';
import { APP_CONFIG, APP_LOGGER } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { AppError } from '../errors/error-body';
import { MailService } from '../mail/mail.service';
import { emails } from '../mail/templates';
import { RateLimitedError, RateLimitService } from '../rate-limit/rate-limit.service';
import { normalizeEmail } from '../users/email';
import { PasswordHasher } from '../users/password-hasher';
import { toUserDto, type UserDto } from '../users/user.dto';
import { UsersRepository } from '../users/users.repository';
import { AccessTokens } from './access-tokens';
import { AuthRepository } from './auth.repository';
import type { ClientContext } from './client-context';
import { codeHasher, generateOpaqueToken, generateSixDigitCode, sameHash, sha256 } from './one-time-secrets';

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
  new RateLimitedError(seconds, 'LOGIN_LOCKED', 'Too many failed logins; the account is locked for a while, try again later');

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
    private readonly mail: MailService,
    private readonly limits: RateLimitService,
  ) {
    this.hashCode = codeHasher(config.JWT_SECRET);
  }

  // --- registration and email verification ---

  /**
   * Always answers the same way. A new address gets an account and a code; an existing
   * unverified one gets a fresh code; a verified one gets a "you already have an account"
   * email. The password is hashed on every path so timing does not tell them apart.
   */
  async register(input: { email: string; password: string; name: string }, context: ClientContext): Promise<void> {
    const email = normalizeEmail(input.email);
    await this.limits.consume('register', context.ip, email);
    const passwordHash = await this.passwords.hash(input.password);
    let user = await this.users.findByEmail(email);
    if (!user) {
      try {
        user = await this.users.create({ email, passwordHash, name: input.name });
        await this.repo.recordEvent(AuthEventType.REGISTERED, user.id, context);
        await this.sendVerificationCode(user);
        return;
      } catch (error) {
        // Lost a race with a concurrent registration of the same address: treat as existing.
        if (!(error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')) throw error;
        user = await this.users.findByEmail(email);
        if (!user) throw error;
      }
    }
    if (user.emailVerifiedAt) this.mail.sendInBackground(user.email, 'account-exists', emails.accountExists(user.name));
    else await this.sendVerificationCode(user);
  }

  async resendVerification(input: { email: string }, context: ClientContext): Promise<void> {
    const email = normalizeEmail(input.email);
    await this.limits.consume('resend-verification', context.ip, email);
    const user = await this.users.findByEmail(email);
    if (!user || user.emailVerifiedAt) return;
    await this.sendVerificationCode(user);
    await this.repo.recordEvent(AuthEventType.VERIFICATION_RESENT, user.id, context);
  }

  private async sendVerificationCode(user: User): Promise<void> {
    const code = generateSixDigitCode();
    const expiresAt = new Date(Date.now() + this.config.VERIFICATION_CODE_TTL_SECONDS * 1000);
    await this.repo.issueCode(user.id, OneTimeCodePurpose.EMAIL_VERIFICATION, this.hashCode(OneTimeCodePurpose.EMAIL_VERIFICATION, user.id, code), expiresAt);
    this.mail.sendInBackground(user.email, 'verification-code', emails.verificationCode(user.name, code, this.config.VERIFICATION_CODE_TTL_SECONDS));
  }

  /**
   * Only a live, correct code verifies an address and logs in. An already verified account
   * has no live code, so it can never be logged in through this route (the old takeover).
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
    const verified = await this.repo.transaction(async (tx) => {
      if (!(await this.repo.consumeCode(code.id, tx))) return false;
      if (!(await this.users.markEmailVerified(user.id, tx))) return false;
      await this.repo.invalidateCodes(user.id, purpose, tx);
      await this.repo.recordEvent(AuthEventType.EMAIL_VERIFIED, user.id, context, undefined, tx);
      return true;
    });
    if (!verified) throw invalidCode();
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

  async login(input: { email: string; password: string }, context: ClientContext): Promise<Session> {
    const email = normalizeEmail(input.email);
    await this.limits.consume('login', context.ip, email);
    const user = await this.users.findByEmail(email);
    if (!user) {
      const lockedFor = await this.limits.loginLockedFor(email);
      if (lockedFor > 0) throw lockedOut(lockedFor);
      await this.passwords.verifyDummy(input.password);
      await this.limits.recordLoginFailure(email);
      await this.repo.recordEvent(AuthEventType.LOGIN_FAILED, null, context, { reason: 'unknown_email' });
      throw invalidCredentials();
    }
    if (user.lockedUntil && user.lockedUntil > new Date()) {
      await this.repo.recordEvent(AuthEventType.LOGIN_FAILED, user.id, context, { reason: 'locked' });
      throw lockedOut(Math.ceil((user.lockedUntil.getTime() - Date.now()) / 1000));
    }
    if (!(await this.passwords.verify(user.passwordHash, input.password))) {
      const after = await this.users.recordLoginFailure(user.id, this.config.LOGIN_MAX_FAILURES, this.config.LOGIN_LOCKOUT_SECONDS);
      await this.repo.recordEvent(AuthEventType.LOGIN_FAILED, user.id, context, { reason: 'wrong_password' });
      if (after.lockedUntil && after.lockedUntil > new Date()) {
        await this.repo.recordEvent(AuthEventType.ACCOUNT_LOCKED, user.id, context, { until: after.lockedUntil.toISOString() });
      }
      throw invalidCredentials();
    }
    if (!user.emailVerifiedAt) {
      await this.repo.recordEvent(AuthEventType.LOGIN_FAILED, user.id, context, { reason: 'email_not_verified' });
      throw new AppError(HttpStatus.FORBIDDEN, 'EMAIL_NOT_VERIFIED', 'Verify your email address before logging in (use the code we sent, or ask for a new one)');
    }
    const fresh = await this.users.recordLoginSuccess(user.id);
    await this.repo.recordEvent(AuthEventType.LOGIN_SUCCEEDED, user.id, context);
    return this.startSession(fresh, context);
  }

  private async startSession(user: User, context: ClientContext, familyId: string = randomUUID(), db?: Prisma.TransactionClient): Promise<Session> {
    const refreshToken = generateOpaqueToken();
    const refreshExpiresAt = new Date(Date.now() + this.config.REFRESH_TOKEN_TTL_SECONDS * 1000);
    await this.repo.createRefreshToken({ userId: user.id, familyId, tokenHash: sha256(refreshToken), expiresAt: refreshExpiresAt, context }, db);
    return {
      accessToken: await this.tokens.sign(user.id, user.role),
      expiresIn: this.tokens.lifetimeSeconds,
      user: toUserDto(user),
      refreshToken,
      refreshExpiresAt,
    };
  }

  /**
   * Rotation: the presented token dies and a new one of the same family is issued. A token
   * that was already rotated is a stolen copy (or a replay): the whole family is revoked.
   */
  async refresh(refreshToken: string | undefined, context: ClientContext): Promise<Session> {
    if (!refreshToken) throw new AppError(HttpStatus.UNAUTHORIZED, 'REFRESH_TOKEN_MISSING', 'No session cookie; log in');
    const row = await this.repo.findRefreshToken(sha256(refreshToken));
    if (!row || row.revokedAt) throw invalidRefresh();
    if (row.rotatedAt) {
      const revoked = await this.repo.revokeFamily(row.familyId);
      await this.repo.recordEvent(AuthEventType.REFRESH_TOKEN_REUSED, row.userId, context, { familyId: row.familyId, revoked });
      this.logger.warn({ userId: row.userId, familyId: row.familyId }, 'refresh token reuse detected; session family revoked');
      throw new AppError(HttpStatus.UNAUTHORIZED, 'REFRESH_TOKEN_REUSED', 'This session was ended for safety; log in again');
    }
    if (row.expiresAt <= new Date()) throw invalidRefresh();
    const user = await this.users.findById(row.userId);
    if (!user) throw invalidRefresh();
    const session = await this.repo.transaction(async (tx) => {
      // Of concurrent refreshes with this token, exactly one passes this conditional UPDATE.
      if (!(await this.repo.markRotated(row.id, tx))) return null;
      return this.startSession(user, context, row.familyId, tx);
    });
    if (!session) throw invalidRefresh();
    return session;
  }

  /** Ends the session family of this cookie only (other devices stay logged in). */
  async logout(refreshToken: string | undefined, context: ClientContext): Promise<void> {
    if (!refreshToken) return;
    const row = await this.repo.findRefreshToken(sha256(refreshToken));
    if (!row) return;
    const revoked = await this.repo.revokeFamily(row.familyId);
    if (revoked > 0) await this.repo.recordEvent(AuthEventType.LOGOUT, row.userId, context, { familyId: row.familyId });
  }

  /** Ends every session of the user, on every device. */
  async logoutEverywhere(userId: string, context: ClientContext): Promise<void> {
    const revoked = await this.repo.revokeAllForUser(userId);
    await this.repo.recordEvent(AuthEventType.LOGOUT_ALL, userId, context, { revoked });
  }

  async me(userId: string): Promise<UserDto> {
    const user = await this.users.findById(userId);
    if (!user) throw new AppError(HttpStatus.UNAUTHORIZED, 'ACCESS_TOKEN_INVALID', 'The access token is invalid');
    return toUserDto(user);
  }

  // --- password reset ---

  /** Same answer and similar work whether or not the address has an account. */
  async requestPasswordReset(input: { email: string }, context: ClientContext): Promise<void> {
    const email = normalizeEmail(input.email);
    await this.limits.consume('password-reset', context.ip, email);
    const user = await this.users.findByEmail(email);
    const token = generateOpaqueToken();
    const tokenHash = sha256(token);
    if (!user) {
      await this.repo.recordEvent(AuthEventType.PASSWORD_RESET_REQUESTED, null, context, { reason: 'unknown_email' });
      return;
    }
    const expiresAt = new Date(Date.now() + this.config.PASSWORD_RESET_TTL_SECONDS * 1000);
    await this.repo.issueCode(user.id, OneTimeCodePurpose.PASSWORD_RESET, tokenHash, expiresAt);
    await this.repo.recordEvent(AuthEventType.PASSWORD_RESET_REQUESTED, user.id, context);
    const link = new URL(this.config.PASSWORD_RESET_URL);
    link.searchParams.set('email', user.email);
    link.searchParams.set('token', token);
    this.mail.sendInBackground(user.email, 'password-reset', emails.passwordReset(user.name, link.toString(), this.config.PASSWORD_RESET_TTL_SECONDS));
  }

  /** Sets the new password, ends every session of the user and records the event. */
  async completePasswordReset(input: { email: string; token: string; password: string }, context: ClientContext): Promise<void> {
    const email = normalizeEmail(input.email);
    await this.limits.consume('password-reset-complete', context.ip, email);
    const presentedHash = sha256(input.token);
    const user = await this.users.findByEmail(email);
    if (!user) throw invalidResetToken();
    const purpose = OneTimeCodePurpose.PASSWORD_RESET;
    const code = await this.checkOneTimeSecret(user, purpose, presentedHash, context, AuthEventType.PASSWORD_RESET_FAILED);
    if (!code) throw invalidResetToken();
    const passwordHash = await this.passwords.hash(input.password);
    const done = await this.repo.transaction(async (tx) => {
      if (!(await this.repo.consumeCode(code.id, tx))) return false;
      await this.users.setPassword(user.id, passwordHash, tx);
      // The link reached the inbox, so the address is proven too.
      await this.users.markEmailVerified(user.id, tx);
      await this.repo.invalidateCodes(user.id, purpose, tx);
      const revoked = await this.repo.revokeAllForUser(user.id, tx);
      await this.repo.recordEvent(AuthEventType.PASSWORD_RESET_COMPLETED, user.id, context, { revokedSessions: revoked }, tx);
      return true;
    });
    if (!done) throw invalidResetToken();
    this.mail.sendInBackground(user.email, 'password-changed', emails.passwordChanged(user.name));
  }
}
