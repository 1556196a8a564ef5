import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AuthEventType, AuthRequestKind, OneTimeCodePurpose, Prisma, type AuthRequest, type User } from '@prisma/client';
import type { Logger } from 'pino';
import { APP_CONFIG, APP_LOGGER } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { PrismaService } from '../database/prisma.service';
import { EmailOutbox } from '../mail/email-outbox';
import { EmailOutboxSender, retryDelaySeconds } from '../mail/email-outbox.sender';
import { emails } from '../mail/templates';
import { UsersRepository } from '../users/users.repository';
import { AuthRepository, type PendingCredentials } from './auth.repository';
import type { ClientContext } from './client-context';
import { codeHasher, generateOpaqueToken, generateSixDigitCode, sha256 } from './one-time-secrets';

/** A claimed request is this process's until then; a process killed mid-way only delays it. */
const CLAIM_LEASE_SECONDS = 120;
const BATCH_SIZE = 50;

const isUniqueViolation = (error: unknown) => error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';

/**
 * Register, resend-verification and password-reset requests. Whether an address has an
 * account must not show in the answer, its headers or its timing, so the answer waits only for
 * work that is the same for every address: `submit` writes one AuthRequest row. The
 * account-dependent part (user row, code, email, audit) runs right after, in the background,
 * as one transaction that also marks the request processed: exactly once, and an email exists
 * exactly when its code does. What fails there is retried by every email-sender pass.
 */
@Injectable()
export class AuthRequestsService implements OnModuleInit, OnModuleDestroy {
  private readonly hashCode: (purpose: string, userId: string, code: string) => string;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    private readonly prisma: PrismaService,
    private readonly users: UsersRepository,
    private readonly repo: AuthRepository,
    private readonly outbox: EmailOutbox,
    private readonly sender: EmailOutboxSender,
  ) {
    this.hashCode = codeHasher(config.JWT_SECRET);
  }

  onModuleInit() {
    this.sender.runBeforeEachPass(() => this.runPass());
  }

  /** The only work the HTTP answer waits for; then the request is processed in the background. */
  async submit(kind: AuthRequestKind, email: string, context: ClientContext, registration?: PendingCredentials): Promise<void> {
    const row = await this.prisma.authRequest.create({
      data: { kind, email, passwordHash: registration?.passwordHash, name: registration?.name, ip: context.ip, userAgent: context.userAgent },
      select: { id: true },
    });
    this.track(this.claim([row.id]).then((rows) => this.processAll(rows)));
  }

  /** Processes every request still waiting (their immediate processing failed, or the process died). */
  async runPass(): Promise<{ processed: number; failed: number }> {
    return this.track(this.claim().then((rows) => this.processAll(rows)));
  }

  private track<T>(job: Promise<T>): Promise<T> {
    const guarded = job.catch((error: Error) => {
      this.logger.warn({ err: { message: error.message } }, 'auth requests: processing failed; the next sender pass retries');
      throw error;
    });
    this.inFlight.add(guarded);
    const done = () => this.inFlight.delete(guarded);
    guarded.then(done, done);
    return guarded;
  }

  /** Same claim as the email outbox: FOR UPDATE SKIP LOCKED plus a lease, oldest request first. */
  private claim(ids?: string[]): Promise<AuthRequest[]> {
    const which = ids ? Prisma.sql`"id" = ANY(${ids}::uuid[])` : Prisma.sql`TRUE`;
    return this.prisma.$queryRaw<AuthRequest[]>`
      WITH due AS (
        SELECT "id" FROM "AuthRequest"
         WHERE "processedAt" IS NULL AND ("claimedUntil" IS NULL OR "claimedUntil" <= now()) AND ${which}
         ORDER BY "createdAt" LIMIT ${ids ? ids.length : BATCH_SIZE} FOR UPDATE SKIP LOCKED)
      UPDATE "AuthRequest" r
         SET "claimedUntil" = now() + make_interval(secs => ${CLAIM_LEASE_SECONDS}::double precision), "attempts" = r."attempts" + 1
        FROM due WHERE r."id" = due."id"
    RETURNING r.*`;
  }

  private async processAll(requests: AuthRequest[]): Promise<{ processed: number; failed: number }> {
    const result = { processed: 0, failed: 0 };
    for (const request of requests.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())) {
      try {
        // A concurrent registration of the same new address may create the user first: then it exists.
        const outboxId = await this.process(request).catch((error) => (isUniqueViolation(error) ? this.process(request) : Promise.reject(error)));
        this.outbox.deliverSoon([outboxId]);
        result.processed++;
      } catch (error) {
        await this.recordFailure(request, error as Error);
        result.failed++;
      }
    }
    return result;
  }

  private async recordFailure(request: AuthRequest, error: Error): Promise<void> {
    const giveUp = request.attempts >= this.config.EMAIL_OUTBOX_MAX_ATTEMPTS;
    const delay = retryDelaySeconds(request.attempts, this.config.EMAIL_OUTBOX_RETRY_SECONDS);
    const lastError = `${(error as { code?: string }).code ?? error.name}: ${error.message.split('\n')[0]}`.slice(0, 500);
    await this.prisma.$executeRaw`
      UPDATE "AuthRequest"
         SET "lastError" = ${lastError}, "claimedUntil" = now() + make_interval(secs => ${delay}::double precision),
             "processedAt" = CASE WHEN ${giveUp} THEN now() ELSE NULL END,
             "passwordHash" = CASE WHEN ${giveUp} THEN NULL ELSE "passwordHash" END
       WHERE "id" = ${request.id}::uuid AND "processedAt" IS NULL`;
    this.logger.error({ authRequest: request.id, kind: request.kind, attempt: request.attempts, giveUp, err: { message: lastError } }, 'auth request not processed');
  }

  /** One transaction: the account-dependent work, its email, and the request marked processed. Returns the email's outbox id. */
  private process(request: AuthRequest): Promise<string | null> {
    const context = { ip: request.ip ?? 'unknown', userAgent: request.userAgent };
    return this.prisma.$transaction(async (tx) => {
      const { count } = await tx.authRequest.updateMany({
        where: { id: request.id, processedAt: null },
        data: { processedAt: new Date(), passwordHash: null, claimedUntil: null, lastError: null },
      });
      if (count === 0) return null; // someone else finished it
      const user = await this.users.findByEmailForUpdate(request.email, tx);
      switch (request.kind) {
        case AuthRequestKind.REGISTER:
          return this.register(tx, request, user, context);
        case AuthRequestKind.RESEND_VERIFICATION:
          return this.resendVerification(tx, request, user, context);
        case AuthRequestKind.PASSWORD_RESET:
          return this.passwordReset(tx, request, user, context);
      }
    });
  }

  /**
   * A new address gets an account and a code; an existing unverified one a fresh code; a
   * verified one a "you already have an account" email. The code carries this registration's
   * password hash and name: the user row only takes them when that code is verified, so
   * registering someone else's address first wins nothing.
   */
  private async register(tx: Prisma.TransactionClient, request: AuthRequest, existing: User | null, context: Pick<ClientContext, 'ip' | 'userAgent'>) {
    if (existing?.emailVerifiedAt) return this.outbox.add(tx, existing.email, 'account-exists', emails.accountExists(existing.name));
    const { passwordHash, name } = request;
    if (!passwordHash || !name) throw new Error('register request without credentials');
    const user = existing ?? (await this.users.create({ email: request.email, passwordHash, name }, tx));
    await this.repo.recordEvent(AuthEventType.REGISTERED, user.id, context, existing ? { again: true } : undefined, tx);
    return this.issueVerificationCode(tx, user, { passwordHash, name }, request.createdAt);
  }

  private async resendVerification(tx: Prisma.TransactionClient, request: AuthRequest, user: User | null, context: Pick<ClientContext, 'ip' | 'userAgent'>) {
    if (!user || user.emailVerifiedAt) {
      await this.repo.recordEvent(AuthEventType.VERIFICATION_RESENT, null, context, { reason: user ? 'already_verified' : 'unknown_email' }, tx);
      return null;
    }
    // The new code carries the newest registration's credentials, never the row's: a resend
    // (anyone can ask for one) must not swap whose password the next verification sets. Once
    // housekeeping has deleted the expired codes, their credentials are gone too: the row's are
    // the first registrant's (perhaps not the inbox owner's), so only a new registration helps.
    const pending = await this.repo.latestPendingCredentials(user.id, tx);
    await this.repo.recordEvent(AuthEventType.VERIFICATION_RESENT, user.id, context, pending ? undefined : { reason: 'registration_expired' }, tx);
    if (!pending) return this.outbox.add(tx, user.email, 'registration-expired', emails.registrationExpired());
    return this.issueVerificationCode(tx, user, pending, request.createdAt);
  }

  /** A new code (older ones die) and its email. Null when a newer request already got a code. */
  private async issueVerificationCode(tx: Prisma.TransactionClient, user: User, pending: PendingCredentials, requestedAt: Date): Promise<string | null> {
    const purpose = OneTimeCodePurpose.EMAIL_VERIFICATION;
    const code = generateSixDigitCode();
    const ttlSeconds = this.config.VERIFICATION_CODE_TTL_SECONDS;
    if (!(await this.repo.issueCode(tx, { userId: user.id, purpose, codeHash: this.hashCode(purpose, user.id, code), requestedAt, ttlSeconds, pending }))) return null;
    return this.outbox.add(tx, user.email, 'verification-code', emails.verificationCode(pending.name, code, ttlSeconds));
  }

  /** A 256-bit token, stored as its SHA-256, and the link by email. Nothing for an unknown address. */
  private async passwordReset(tx: Prisma.TransactionClient, request: AuthRequest, user: User | null, context: Pick<ClientContext, 'ip' | 'userAgent'>) {
    if (!user) {
      await this.repo.recordEvent(AuthEventType.PASSWORD_RESET_REQUESTED, null, context, { reason: 'unknown_email' }, tx);
      return null;
    }
    await this.repo.recordEvent(AuthEventType.PASSWORD_RESET_REQUESTED, user.id, context, undefined, tx);
    const token = generateOpaqueToken();
    const ttlSeconds = this.config.PASSWORD_RESET_TTL_SECONDS;
    const issued = await this.repo.issueCode(tx, { userId: user.id, purpose: OneTimeCodePurpose.PASSWORD_RESET, codeHash: sha256(token), requestedAt: request.createdAt, ttlSeconds });
    if (!issued) return null;
    const link = new URL(this.config.PASSWORD_RESET_URL);
    link.searchParams.set('email', user.email);
    link.searchParams.set('token', token);
    return this.outbox.add(tx, user.email, 'password-reset', emails.passwordReset(user.name, link.toString(), ttlSeconds));
  }

  /** Lets processing under way finish before the database closes. */
  async onModuleDestroy() {
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => setTimeout(r, 10_000).unref())]);
  }
}
