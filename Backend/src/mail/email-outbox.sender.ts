import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import type { Logger } from 'pino';
import { APP_CONFIG, APP_LOGGER } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { PrismaService } from '../database/prisma.service';
import { MailService } from './mail.service';

/** A claimed row is this sender's until then; a sender killed mid-pass only delays its emails. */
const CLAIM_LEASE_SECONDS = 300;
/** Backoff doubles per attempt up to this. */
const MAX_RETRY_DELAY_SECONDS = 3600;

interface ClaimedEmail {
  id: string;
  recipient: string;
  kind: string;
  subject: string;
  text: string;
  html: string;
  attempts: number;
}

export interface SenderPassResult {
  sent: number;
  failed: number;
}

/** Delay before attempt `attempts + 1`: RETRY_SECONDS · 2^(attempts-1), ±20% jitter so a recovered SMTP server is not hit all at once. */
export function retryDelaySeconds(attempts: number, baseSeconds: number, random = Math.random): number {
  const exact = Math.min(baseSeconds * 2 ** Math.max(0, attempts - 1), MAX_RETRY_DELAY_SECONDS);
  return Math.max(1, Math.round(exact * (0.8 + 0.4 * random())));
}

/** What is kept of a delivery error: its code and first line, never a body (which may hold a code or link). */
function describeError(error: unknown): string {
  const e = error as { code?: unknown; responseCode?: unknown; message?: unknown };
  const parts = [e.code, e.responseCode].filter((p) => typeof p === 'string' || typeof p === 'number').map(String);
  const message = typeof e.message === 'string' ? e.message.split('\n')[0]! : String(error);
  return [...parts, message].join(' ').slice(0, 500);
}

/**
 * A permanent refusal of this message by the SMTP server (a 5xx answer to RCPT TO or DATA:
 * no such mailbox, content refused): sending it again can only fail again. Everything else
 * (connection refused, timeouts, TLS, authentication, MAIL FROM, 4xx) is an outage of our
 * side or the server's, which ends: those failures never give an email up.
 */
export function isRefusedMessage(error: unknown): boolean {
  const e = error as { responseCode?: unknown; command?: unknown };
  return typeof e.responseCode === 'number' && e.responseCode >= 500 && (e.command === 'RCPT TO' || e.command === 'DATA');
}

/**
 * Delivers the email outbox. Rows are claimed with FOR UPDATE SKIP LOCKED plus a lease
 * (claimedUntil), so any number of senders (API processes, worker pods) can run passes at
 * the same time and each email is handed to SMTP by one of them. A failed attempt is retried
 * with exponential backoff (capped at an hour) for as long as SMTP is down, so an outage only
 * delays mail; a message the server refuses is given up (failedAt) after
 * EMAIL_OUTBOX_MAX_ATTEMPTS refusals. Sent and given-up rows have their bodies blanked: live
 * codes stay in the table only while the email is on its way.
 */
@Injectable()
export class EmailOutboxSender implements OnModuleDestroy {
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly beforePass: (() => Promise<unknown>)[] = [];

  constructor(
    private readonly prisma: PrismaService,
    private readonly mail: MailService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Work that writes emails and must be finished by every sender pass too (auth requests
   * whose immediate processing failed): registered by its module, run before the emails.
   */
  runBeforeEachPass(work: () => Promise<unknown>): void {
    this.beforePass.push(work);
  }

  /**
   * One pass: first the registered work that writes emails, then up to EMAIL_OUTBOX_BATCH_SIZE
   * due emails, each tried once. Rejects only when the database fails.
   */
  runPass(): Promise<SenderPassResult> {
    return this.track(
      (async () => {
        for (const work of this.beforePass) await work();
        return this.deliver(await this.claim());
      })(),
    );
  }

  /**
   * Called right after the transaction that wrote these emails committed: tries them now,
   * in the background (the caller never waits on SMTP). Whatever fails is the next pass's.
   */
  deliverSoon(ids: string[]): void {
    if (!this.config.EMAIL_OUTBOX_SEND_ON_WRITE || ids.length === 0) return;
    void this.track(
      this.claim(ids)
        .then((rows) => this.deliver(rows))
        .catch((error: Error) => this.logger.warn({ err: { message: error.message } }, 'email outbox: immediate delivery failed; the sender retries')),
    );
  }

  private track<T>(job: Promise<T>): Promise<T> {
    this.inFlight.add(job);
    const done = () => this.inFlight.delete(job);
    job.then(done, done);
    return job;
  }

  /**
   * Claims due rows (or exactly `ids`, whatever their due time, when given). The claim is one
   * statement: rows another sender is claiming are skipped, rows it claimed are not due again
   * until its lease ends, and attempts counts every claim (a crash mid-send counts too).
   */
  private claim(ids?: string[]): Promise<ClaimedEmail[]> {
    const which = ids ? Prisma.sql`"id" = ANY(${ids}::uuid[])` : Prisma.sql`"nextAttemptAt" <= now()`;
    const limit = ids ? ids.length : this.config.EMAIL_OUTBOX_BATCH_SIZE;
    return this.prisma.$queryRaw<ClaimedEmail[]>`
      WITH due AS (
        SELECT "id" FROM "EmailOutbox"
         WHERE "sentAt" IS NULL AND "failedAt" IS NULL AND ("claimedUntil" IS NULL OR "claimedUntil" <= now()) AND ${which}
         ORDER BY "nextAttemptAt" LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      UPDATE "EmailOutbox" o
         SET "claimedUntil" = now() + make_interval(secs => ${CLAIM_LEASE_SECONDS}::double precision), "attempts" = o."attempts" + 1
        FROM due WHERE o."id" = due."id"
    RETURNING o."id", o."recipient", o."kind", o."subject", o."text", o."html", o."attempts"`;
  }

  private async deliver(rows: ClaimedEmail[]): Promise<SenderPassResult> {
    const result: SenderPassResult = { sent: 0, failed: 0 };
    for (const row of rows) {
      let messageId: string;
      try {
        messageId = await this.mail.send(row.recipient, row);
      } catch (error) {
        await this.recordFailure(row, error);
        result.failed++;
        continue;
      }
      await this.prisma.$executeRaw`
        UPDATE "EmailOutbox" SET "sentAt" = now(), "claimedUntil" = NULL, "text" = '', "html" = '', "lastError" = NULL
         WHERE "id" = ${row.id}::uuid AND "sentAt" IS NULL`;
      this.logger.info({ mail: row.kind, outboxId: row.id, attempt: row.attempts, messageId }, 'email sent');
      result.sent++;
    }
    return result;
  }

  private async recordFailure(row: ClaimedEmail, error: unknown): Promise<void> {
    const lastError = describeError(error);
    const giveUp = isRefusedMessage(error) && row.attempts >= this.config.EMAIL_OUTBOX_MAX_ATTEMPTS;
    const delay = retryDelaySeconds(row.attempts, this.config.EMAIL_OUTBOX_RETRY_SECONDS);
    await this.prisma.$executeRaw`
      UPDATE "EmailOutbox"
         SET "lastError" = ${lastError}, "claimedUntil" = NULL,
             "nextAttemptAt" = now() + make_interval(secs => ${delay}::double precision),
             "failedAt" = CASE WHEN ${giveUp} THEN now() ELSE NULL END,
             "text" = CASE WHEN ${giveUp} THEN '' ELSE "text" END,
             "html" = CASE WHEN ${giveUp} THEN '' ELSE "html" END
       WHERE "id" = ${row.id}::uuid AND "sentAt" IS NULL`;
    const log = { mail: row.kind, outboxId: row.id, attempt: row.attempts, err: { message: lastError } };
    if (giveUp) this.logger.error(log, 'email given up: the SMTP server refused it on the last attempt');
    else this.logger.warn({ ...log, retryInSeconds: delay }, 'email not delivered; will retry');
  }

  /** Lets deliveries under way finish (and record their outcome) before the database closes. */
  async onModuleDestroy() {
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => setTimeout(r, 10_000).unref())]);
  }
}
