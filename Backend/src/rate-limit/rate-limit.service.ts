import { HttpStatus, Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { APP_CONFIG, APP_LOGGER } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { AppError } from '../errors/error-body';

/** The actions that are limited; each has its own counters. */
export type RateLimitedAction = 'login' | 'verify-email' | 'resend-verification' | 'password-reset' | 'password-reset-complete' | 'register';

/** 429 with Retry-After (the exception filter turns `retryAfterSeconds` into the header). */
export class RateLimitedError extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    code = 'RATE_LIMITED',
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

/**
 * Counters for rate limits and lockouts. With REDIS_URL they live in Redis, so every API
 * replica shares them; otherwise in this process's memory. If Redis becomes unreachable,
 * counting continues in memory (per replica) instead of failing open or refusing everyone.
 */
@Injectable()
export class RateLimitService implements OnModuleInit, OnModuleDestroy {
  private readonly redis?: Redis;
  private readonly limiters = new Map<string, RateLimiterAbstract>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {
    if (config.REDIS_URL) {
      this.redis = new Redis(config.REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 5_000 });
      this.redis.on('error', (error) => this.logger.warn({ err: { message: error.message } }, 'redis error (rate limits fall back to memory)'));
    }
  }

  get store(): 'redis' | 'memory' {
    return this.redis ? 'redis' : 'memory';
  }

  async onModuleInit() {
    if (!this.redis) return;
    try {
      await this.redis.connect();
    } catch (error) {
      this.logger.warn({ err: { message: (error as Error).message } }, 'redis not reachable at start; rate limits count in memory until it is');
    }
  }

  async onModuleDestroy() {
    this.redis?.disconnect();
  }

  private limiter(name: string, options: LimiterOptions): RateLimiterAbstract {
    const key = `${name}:${options.points}:${options.duration}:${options.blockDuration ?? 0}`;
    let limiter = this.limiters.get(key);
    if (!limiter) {
      const memory = new RateLimiterMemory({ keyPrefix: `kv:rl:${name}`, ...options });
      limiter = this.redis
        ? new RateLimiterRedis({ storeClient: this.redis, keyPrefix: `kv:rl:${name}`, rejectIfRedisNotReady: true, insuranceLimiter: memory, ...options })
        : memory;
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

  /**
   * Failed-login counter for an identity that has no user row (unknown email), so those
   * lock out exactly like real accounts and the answers do not reveal which exist.
   */
  private loginFailures() {
    return this.limiter('login-failures', {
      points: this.config.LOGIN_MAX_FAILURES,
      duration: this.config.LOGIN_LOCKOUT_SECONDS,
      blockDuration: this.config.LOGIN_LOCKOUT_SECONDS,
    });
  }

  /** Seconds until the identity may try again, or 0 when it is not locked. */
  async loginLockedFor(account: string): Promise<number> {
    const res = await this.loginFailures().get(account);
    if (!res || res.consumedPoints < this.config.LOGIN_MAX_FAILURES) return 0;
    return retryAfter(res);
  }

  async recordLoginFailure(account: string): Promise<void> {
    await this.loginFailures()
      .consume(account)
      .catch((error) => {
        if (!(error instanceof RateLimiterRes)) throw error;
      });
  }
}

function retryAfter(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}
