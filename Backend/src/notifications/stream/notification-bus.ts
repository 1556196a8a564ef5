import { EventEmitter } from 'node:events';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import type { Logger } from 'pino';
import { APP_CONFIG, APP_LOGGER } from '../../config/config.module';
import type { AppConfig } from '../../config/config.schema';
import { parseDatabaseUrl } from '../../database/pg-adapter';

/** Channels the migration's triggers NOTIFY on commit (20261127060000_notification_stream). */
export const NOTIFICATIONS_CHANNEL = 'kv_notifications';
export const SESSIONS_REVOKED_CHANNEL = 'kv_sessions_revoked';

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 15_000;

export interface BusEvents {
  /** A notification row committed (by any process on the database). */
  published: [userId: string, seq: bigint];
  /** A user's tokenVersion moved: streams opened with an older token must end. */
  revoked: [userId: string, tokenVersion: number];
  /** LISTEN is back after a lost connection: what was announced meanwhile was not heard. */
  resumed: [];
}

/**
 * One LISTEN connection per API process, outside Prisma's pool (a pooled connection would
 * be handed to queries and lose its LISTEN). PostgreSQL delivers NOTIFYs only on commit
 * and in commit order, so every replica hears every writer, workers included, without a
 * separate broker. Opened on first use: workers and processes without streams never hold it.
 */
@Injectable()
export class NotificationBus extends EventEmitter<BusEvents> implements OnApplicationShutdown {
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private reconnectDelayMs = RECONNECT_MIN_MS;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {
    super();
  }

  /** Resolves once this process is listening; rejects when the database cannot be reached. */
  ensureListening(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('notification bus closed'));
    if (this.client) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<void> {
    // No statement timeout on a connection that only waits.
    const client = new pg.Client({ ...parseDatabaseUrl(this.config.DATABASE_URL, { statementTimeoutMs: 0 }), application_name: 'kryptovault-notification-bus' });
    client.on('notification', (message) => this.dispatch(message));
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${NOTIFICATIONS_CHANNEL}; LISTEN ${SESSIONS_REVOKED_CHANNEL}`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      throw new Error('notification bus closed');
    }
    this.client = client;
    this.reconnectDelayMs = RECONNECT_MIN_MS;
  }

  private dispatch(message: pg.Notification) {
    try {
      const payload = JSON.parse(message.payload ?? '{}') as { u?: unknown; s?: unknown; v?: unknown };
      if (typeof payload.u !== 'string') return;
      if (message.channel === NOTIFICATIONS_CHANNEL && (typeof payload.s === 'number' || typeof payload.s === 'string')) {
        this.emit('published', payload.u, BigInt(payload.s));
      } else if (message.channel === SESSIONS_REVOKED_CHANNEL && typeof payload.v === 'number') {
        this.emit('revoked', payload.u, payload.v);
      }
    } catch (error) {
      this.logger.warn({ err: error, channel: message.channel }, 'notification bus: unreadable payload ignored');
    }
  }

  /** Reconnects with backoff; streams catch up from the database once it is back (`resumed`). */
  private lost(client: pg.Client, error: Error) {
    if (this.client !== client) return;
    this.client = undefined;
    client.removeAllListeners();
    client.on('error', () => undefined);
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.logger.warn({ err: error, retryInMs: this.reconnectDelayMs }, 'notification bus: LISTEN connection lost, reconnecting');
    const retry = () => {
      this.reconnectTimer = undefined;
      this.ensureListening().then(
        () => {
          this.logger.info('notification bus: listening again');
          this.emit('resumed');
        },
        () => {
          this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, RECONNECT_MAX_MS);
          this.reconnectTimer = setTimeout(retry, this.reconnectDelayMs).unref();
        },
      );
    };
    this.reconnectTimer = setTimeout(retry, this.reconnectDelayMs).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
    }
  }
}
