import { createHash } from 'node:crypto';
import { HttpStatus, Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import type pg from 'pg';
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterPostgres, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { APP_CONFIG, APP_LOGGER } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { createPgPool, databaseSettings } from '../database/pg-adapter';
import { AppError } from '../errors/error-body';
import type { ErrorCode } from '../errors/error-codes';

/** The actions that are limited; each has its own counters. */
export type RateLimitedAction = 'login' | 'verify-email' | 'resend-verification' | 'password-reset' | 'password-reset-complete' | 'register';

/** 429 with Retry-After (the exception filter turns `retryAfterSeconds` into the header). */
export class RateLimitedError extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    code: ErrorCode = 'RATE_LIMITED',
    message = 'Too many requests; try again later',
  ) {
    super(HttpStatus.TOO_MANY_REQUESTS, code, message);
  }
}

interface LimiterOptions {
  points: number;
  duration: number;
  blockDuration?: number;
}

/** The table rate-limiter-flexible's PostgreSQL store uses (created by a migration, model RateLimit). */
export const RATE_LIMIT_TABLE = 'RateLimit';
/** Connections of the limiter's own pool, per process, on top of DATABASE_POOL_SIZE. */
const RATE_LIMIT_POOL_SIZE = 4;
/** How often each process deletes counters that expired over an hour ago (the library's rule). */
const CLEAR_EXPIRED_EVERY_MS = 5 * 60_000;
const STORE_ERROR_LOG_EVERY_MS = 60_000;

export type RateLimitStore = 'redis' | 'postgres' | 'memory';

/**
 * Counters for rate limits and lockouts, shared by every API replica:
 * - REDIS_URL set: Redis; while Redis is unreachable, PostgreSQL (still shared);
 * - otherwise PostgreSQL (rate-limiter-flexible's store on the "RateLimit" table);
 * - in-process memory only with NODE_ENV=development and no REDIS_URL (one local process).
 * A store that fails falls through to the next one, and finally to memory, so the service
 * keeps answering (and limiting) instead of failing open or refusing everyone.
 */
@Injectable()
export class RateLimitService implements OnModuleInit, OnModuleDestroy {
  private readonly redis?: Redis;
  private readonly pool?: pg.Pool;
  private readonly limiters = new Map<string, RateLimiterAbstract>();
  readonly store: RateLimitStore;
  private clearTimer?: NodeJS.Timeout;
  private lastStoreErrorLog = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {
    this.store = config.REDIS_URL ? 'redis' : config.NODE_ENV === 'development' ? 'memory' : 'postgres';
    if (config.REDIS_URL) {
      // Required only when configured: loading ioredis is about 35 ms of every start (docs/performance.md).
      const { Redis: RedisClient } = require('ioredis') as typeof import('ioredis');
      this.redis = new RedisClient(config.REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 5_000 });
      this.redis.on('error', (error) => this.logger.warn({ err: { message: error.message } }, 'redis error (rate limits fall back to PostgreSQL)'));
    }
    if (this.store !== 'memory') {
      this.pool = createPgPool(config.DATABASE_URL, { ...databaseSettings(config), poolSize: RATE_LIMIT_POOL_SIZE });
      this.pool.on('error', (error) => this.logStoreError(error));
    }
  }

  async onModuleInit() {
    if (this.pool) {
      this.clearTimer = setInterval(() => void this.clearExpired(), CLEAR_EXPIRED_EVERY_MS);
      this.clearTimer.unref();
    }
    if (!this.redis) return;
    try {
      await this.redis.connect();
    } catch (error) {
      this.logger.warn({ err: { message: (error as Error).message } }, 'redis not reachable at start; rate limits count in PostgreSQL until it is');
    }
  }

  async onModuleDestroy() {
    clearInterval(this.clearTimer);
    this.redis?.disconnect();
    await this.pool?.end();
  }

  /**
   * Deletes PostgreSQL counters that expired over an hour ago (rate-limiter-flexible's own
   * rule; an expired row is never read, only overwritten, so this just bounds the table).
   */
  async clearExpired(): Promise<void> {
    if (!this.pool) return;
    await this.pool
      .query(`DELETE FROM "${RATE_LIMIT_TABLE}" WHERE expire < $1`, [Date.now() - 3_600_000])
      .catch((error: Error) => this.logStoreError(error));
  }

  private logStoreError(error: Error & { code?: string }) {
    if (Date.now() - this.lastStoreErrorLog < STORE_ERROR_LOG_EVERY_MS) return;
    this.lastStoreErrorLog = Date.now();
    this.logger.warn({ err: { message: error.message, code: error.code } }, 'rate limit store error (counting in memory meanwhile)');
  }

  private limiter(name: string, options: LimiterOptions): RateLimiterAbstract {
    const key = `${name}:${options.points}:${options.duration}:${options.blockDuration ?? 0}`;
    let limiter = this.limiters.get(key);
    if (!limiter) {
      const keyPrefix = `kv:rl:${name}`;
      limiter = new RateLimiterMemory({ keyPrefix, ...options });
      if (this.pool) {
        const pool = this.pool;
        limiter = new RateLimiterPostgres({
          // A pool-like client whose failures are logged before the library falls back to memory.
          storeClient: { query: (q: pg.QueryConfig) => pool.query(q).catch((error: Error) => (this.logStoreError(error), Promise.reject(error))) },
          storeType: 'pool',
          tableName: RATE_LIMIT_TABLE,
          // The table comes from a migration; no DDL at runtime, no per-limiter cleanup timers.
          tableCreated: true,
          clearExpiredByTimeout: false,
          keyPrefix,
          insuranceLimiter: limiter,
          ...options,
        });
      }
      if (this.redis) {
        limiter = new RateLimiterRedis({ storeClient: this.redis, keyPrefix, rejectIfRedisNotReady: true, insuranceLimiter: limiter, ...options });
      }
      this.limiters.set(key, limiter);
    }
    return limiter;
  }

  /**
   * Counts one request for `action` from this IP and (when given) for this account
   * (normalized email); throws RateLimitedError when either is over its limit.
   */
  async consume(action: RateLimitedAction, ip: string, account?: string): Promise<void> {
    const window = { duration: this.config.RATE_LIMIT_WINDOW_SECONDS };
    const checks: Promise<unknown>[] = [this.limiter(`${action}:ip`, { points: this.config.RATE_LIMIT_PER_IP, ...window }).consume(ip)];
    if (account) checks.push(this.limiter(`${action}:account`, { points: this.config.RATE_LIMIT_PER_ACCOUNT, ...window }).consume(account));
    const results = await Promise.allSettled(checks);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
    if (rejected.length === 0) return;
    const limits = rejected.filter((r): r is RateLimiterRes => r instanceof RateLimiterRes);
    if (limits.length !== rejected.length) throw rejected.find((r) => !(r instanceof RateLimiterRes));
    throw new RateLimitedError(Math.max(...limits.map(retryAfter)));
  }

  // --- login throttling (docs/auth.md, "Login throttling") ---
  // Every counter is keyed by the normalized email whether or not an account exists, so
  // known and unknown addresses are throttled alike. Pair keys are hashed: they hold an
  // email and an IP, and a store row must not tell who tried from where.

  private loginPairFailures() {
    return this.limiter('login-fail:pair', { points: this.config.LOGIN_MAX_FAILURES, duration: LOGIN_FAILURE_WINDOW_SECONDS });
  }

  private loginPairDelay() {
    return this.limiter('login-delay:pair', { points: 1, duration: this.config.LOGIN_LOCKOUT_SECONDS });
  }

  private loginAccountFailures() {
    return this.limiter('login-fail:account', { points: this.config.LOGIN_ACCOUNT_MAX_FAILURES, duration: LOGIN_FAILURE_WINDOW_SECONDS });
  }

  private loginKnownPairs() {
    return this.limiter('login-known:pair', { points: 1, duration: this.config.REFRESH_TOKEN_TTL_SECONDS });
  }

  /**
   * Seconds this client must wait before it may try a password on this account (0: go ahead).
   * Two reasons: its own recent failures (a growing delay on this account+IP only), or the
   * account's failure budget (all IPs) is spent — then only IPs that logged in to it before
   * get through, so a distributed guesser cannot lock the owner out of their usual device.
   */
  async loginWaitSeconds(account: string, ip: string): Promise<number> {
    const pair = pairKey(account, ip);
    const [delay, budget] = await Promise.all([this.loginPairDelay().get(pair), this.loginAccountFailures().get(account)]);
    let wait = delay && delay.consumedPoints > 1 ? retryAfter(delay) : 0;
    if (budget && budget.consumedPoints >= this.config.LOGIN_ACCOUNT_MAX_FAILURES && !(await this.loginKnownPairs().get(pair))) {
      wait = Math.max(wait, retryAfter(budget));
    }
    return wait;
  }

  /**
   * Counts a failed password. After LOGIN_MAX_FAILURES failures from this IP on this account,
   * each further failure makes it wait 1 s, 2 s, 4 s, ... up to LOGIN_LOCKOUT_SECONDS. One IP
   * spends at most LOGIN_MAX_FAILURES of the account's budget, so no single client can exhaust
   * it. Returns the account-wide lock when this failure just exhausted the budget.
   */
  async recordLoginFailure(account: string, ip: string): Promise<{ accountLockedSeconds: number | null }> {
    const pair = pairKey(account, ip);
    const failures = (await this.loginPairFailures().penalty(pair)).consumedPoints;
    const beyond = failures - this.config.LOGIN_MAX_FAILURES;
    if (beyond >= 0) await this.loginPairDelay().block(pair, Math.min(2 ** beyond, this.config.LOGIN_LOCKOUT_SECONDS));
    if (beyond > 0) return { accountLockedSeconds: null };
    const budget = await this.loginAccountFailures().penalty(account);
    return { accountLockedSeconds: budget.consumedPoints === this.config.LOGIN_ACCOUNT_MAX_FAILURES ? retryAfter(budget) : null };
  }

  /** The right password from this IP: its failures are forgiven and the IP becomes known to the account. */
  async recordLoginSuccess(account: string, ip: string): Promise<void> {
    const pair = pairKey(account, ip);
    await Promise.all([this.loginPairFailures().delete(pair), this.loginPairDelay().delete(pair), this.loginKnownPairs().set(pair, 1, this.config.REFRESH_TOKEN_TTL_SECONDS)]);
  }

  /** The owner proved the inbox (password reset): the account's failure budget starts over. */
  async clearLoginFailures(account: string): Promise<void> {
    await this.loginAccountFailures().delete(account);
  }
}

/** Failure counters forget after a day without being reset. */
const LOGIN_FAILURE_WINDOW_SECONDS = 24 * 3600;

function pairKey(account: string, ip: string): string {
  return createHash('sha256').update(`${account}\n${ip}`).digest('base64url');
}

function retryAfter(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}
