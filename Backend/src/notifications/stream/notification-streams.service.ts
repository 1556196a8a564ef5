import { type BeforeApplicationShutdown, HttpStatus, Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Notification } from '@prisma/client';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Gauge } from 'prom-client';
import type { Logger } from 'pino';
import { APP_CONFIG, APP_LOGGER } from '../../config/config.module';
import type { AppConfig } from '../../config/config.schema';
import { AppError } from '../../errors/error-body';
import { ShutdownState } from '../../health/shutdown-state';
import { MetricsService } from '../../metrics/metrics.service';
import { NotificationsRepository } from '../notifications.repository';
import { toNotificationDto } from '../notifications.dto';
import { NotificationBus } from './notification-bus';

/** Who opened a stream and until when their credential is good. */
export interface StreamCaller {
  userId: string;
  tokenVersion: number;
  endsAt: Date;
}

/** Reconnect delay EventSource uses after the stream ends (`retry:` field). */
const RETRY_MS = 3_000;
const REPLAY_PAGE = 500;
/** Overlaps are short (a replay page racing live delivery), so a small memory suffices. */
const RECENTLY_SENT = 2 * REPLAY_PAGE;
/** A client that stopped reading: past this much unsent output the stream is dropped (it reconnects and replays). */
const MAX_BUFFERED_BYTES = 1 << 20;
/** setTimeout's ceiling; longer sessions are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface OpenStream {
  caller: StreamCaller;
  reply: FastifyReply;
  /** Highest position sent: the `id:` of every event, so Last-Event-ID never goes backwards. */
  position: bigint;
  /** While replaying, live events wait here (in commit order) and are sent after the replay. */
  held: Notification[] | undefined;
  /** Recently sent positions: a replay and live delivery that overlap never send one twice. */
  sent: Set<bigint>;
  /** Headers written: before that, the reply still belongs to Nest (errors answer normally). */
  started: boolean;
  timers: NodeJS.Timeout[];
  closed: boolean;
}

/**
 * The owner's live notifications as Server-Sent Events (docs/notifications-stream.md).
 * Streams live in this process; the NotificationBus tells every process about every commit,
 * so a notification written anywhere reaches the owner's streams on every replica.
 */
@Injectable()
export class NotificationStreamsService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly streams = new Map<string, Set<OpenStream>>();
  private announced = new Map<bigint, string>();
  private flushScheduled = false;
  private closing = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    private readonly bus: NotificationBus,
    private readonly repo: NotificationsRepository,
    private readonly shutdown: ShutdownState,
    metrics: MetricsService,
  ) {
    const streams = this.streams;
    new Gauge({
      name: 'kryptovault_notification_streams_open',
      help: 'Notification streams (SSE) open on this API process',
      registers: [metrics.registry],
      collect() {
        let open = 0;
        for (const set of streams.values()) open += set.size;
        this.set(open);
      },
    });
  }

  onModuleInit() {
    this.bus.on('published', (userId, seq) => this.onPublished(userId, seq));
    this.bus.on('revoked', (userId, tokenVersion) => this.onRevoked(userId, tokenVersion));
    this.bus.on('resumed', () => this.catchUpAll());
    // Open streams would hold the HTTP server open past shutdown: end them; clients reconnect elsewhere.
    this.shutdown.onShutdown(async () => this.closeAll());
  }


  /**
   * Takes over the response: headers, then the replay after `lastEventId`, then live events
   * until the client leaves, the credential ends, the session is revoked or we shut down.
   */
  async open(caller: StreamCaller, lastEventId: bigint | undefined, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (this.closing || this.shutdown.isShuttingDown) throw new AppError(HttpStatus.SERVICE_UNAVAILABLE, 'SHUTTING_DOWN', 'This instance is shutting down; reconnect');
    if ((this.streams.get(caller.userId)?.size ?? 0) >= this.config.NOTIFICATION_STREAMS_PER_USER) {
      throw new AppError(HttpStatus.TOO_MANY_REQUESTS, 'TOO_MANY_STREAMS', `At most ${this.config.NOTIFICATION_STREAMS_PER_USER} notification streams per user are open at once; close one first`);
    }
    // Registered (and holding live events) before anything is awaited: nothing announced while
    // the stream starts is dropped, and concurrent opens count against the limit.
    const stream: OpenStream = { caller, reply, position: 0n, held: [], sent: new Set(), timers: [], closed: false, started: false };
    this.register(stream);
    try {
      // Listening before the replay query: whatever commits in between is heard, then de-duplicated.
      await this.bus.ensureListening();
      // A fresh stream starts at the owner's latest position: a catch-up after a lost LISTEN
      // connection then replays only what came after the stream opened, not the history.
      stream.position = lastEventId ?? (await this.repo.lastPosition(caller.userId));
      if (stream.closed) throw new Error('closed while starting (revoked or shutting down)');
    } catch (error) {
      this.unregister(stream);
      this.logger.error({ err: error }, 'notification stream: cannot start');
      throw new AppError(HttpStatus.SERVICE_UNAVAILABLE, 'STREAM_UNAVAILABLE', 'Live notifications are unavailable right now; retry shortly');
    }

    reply.hijack();
    stream.started = true;
    reply.raw.writeHead(HttpStatus.OK, {
      // Headers hooks already set (CORS); onSend hooks do not run for a hijacked reply.
      ...(reply.getHeaders() as Record<string, string>),
      'x-request-id': request.id,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx (the ingress) would otherwise buffer the stream.
      'x-accel-buffering': 'no',
    });
    reply.raw.on('close', () => this.close(stream));
    this.write(stream, `retry: ${RETRY_MS}\n: connected\n\n`);
    stream.timers.push(setInterval(() => this.write(stream, ': heartbeat\n\n'), this.config.NOTIFICATION_STREAM_HEARTBEAT_SECONDS * 1000));
    this.endAt(stream, caller.endsAt);

    if (lastEventId !== undefined) {
      try {
        await this.replay(stream, lastEventId, { whileHolding: true });
      } catch (error) {
        this.logger.error({ err: error }, 'notification stream: replay failed');
        return this.close(stream);
      }
    }
    const held = stream.held ?? [];
    stream.held = undefined;
    for (const n of held) this.send(stream, n);
  }

  private register(stream: OpenStream) {
    const set = this.streams.get(stream.caller.userId) ?? new Set();
    set.add(stream);
    this.streams.set(stream.caller.userId, set);
  }

  private async replay(stream: OpenStream, after: bigint, options: { whileHolding?: boolean } = {}): Promise<void> {
    for (let cursor = after; !stream.closed; ) {
      const page = await this.repo.listAfter(stream.caller.userId, cursor, REPLAY_PAGE);
      for (const n of page) this.send(stream, n, options.whileHolding);
      if (page.length < REPLAY_PAGE) return;
      cursor = page[page.length - 1]!.seq;
    }
  }

  /** The stream ends when the access token (or the ticket's token) that opened it expires. */
  private endAt(stream: OpenStream, endsAt: Date) {
    const left = endsAt.getTime() - Date.now();
    if (left <= 0) {
      this.write(stream, 'event: session-expired\ndata: {}\n\n');
      return this.close(stream);
    }
    stream.timers.push(setTimeout(() => this.endAt(stream, endsAt), Math.min(left, MAX_TIMER_MS)));
  }

  /** `direct`: the replay's own rows, sent while live ones are held back. */
  private send(stream: OpenStream, n: Notification, direct = false) {
    if (stream.closed || stream.sent.has(n.seq)) return;
    if (stream.held && !direct) {
      stream.held.push(n);
      return;
    }
    stream.sent.add(n.seq);
    if (stream.sent.size > RECENTLY_SENT) stream.sent.delete(stream.sent.values().next().value!);
    if (n.seq > stream.position) stream.position = n.seq;
    this.write(stream, `id: ${stream.position}\nevent: notification\ndata: ${JSON.stringify(toNotificationDto(n))}\n\n`);
  }

  private write(stream: OpenStream, chunk: string) {
    if (stream.closed || !stream.started) return;
    if (stream.reply.raw.writableLength > MAX_BUFFERED_BYTES) {
      this.logger.warn({ userId: stream.caller.userId }, 'notification stream: client is not reading; closing it');
      return this.close(stream);
    }
    stream.reply.raw.write(chunk);
  }

  private close(stream: OpenStream) {
    if (stream.closed) return;
    stream.closed = true;
    for (const timer of stream.timers) clearTimeout(timer);
    this.unregister(stream);
    if (stream.started && !stream.reply.raw.writableEnded) stream.reply.raw.end();
  }

  private unregister(stream: OpenStream) {
    const set = this.streams.get(stream.caller.userId);
    set?.delete(stream);
    if (set?.size === 0) this.streams.delete(stream.caller.userId);
  }

  /** app.close() without the SIGTERM path (tests, the OpenAPI writer) must not wait on open streams either. */
  beforeApplicationShutdown() {
    this.closing = true;
    this.closeAll();
  }

  closeAll() {
    for (const set of [...this.streams.values()]) for (const stream of [...set]) this.close(stream);
  }

  /** Announcements arrive one per row; rows are read in one query per burst, only for users streaming here. */
  private onPublished(userId: string, seq: bigint) {
    if (!this.streams.has(userId)) return;
    this.announced.set(seq, userId);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const batch = this.announced;
      this.announced = new Map();
      this.deliver(batch).catch((error) => this.logger.error({ err: error }, 'notification stream: delivery failed'));
    });
  }

  private async deliver(batch: Map<bigint, string>) {
    const rows = await this.repo.findAnnounced([...batch.keys()], [...new Set(batch.values())]);
    // In announcement (commit) order, not seq order: a lower seq can commit later.
    const bySeq = new Map(rows.map((n) => [n.seq, n]));
    for (const seq of batch.keys()) {
      const n = bySeq.get(seq);
      if (!n) continue;
      for (const stream of this.streams.get(n.userId) ?? []) this.send(stream, n);
    }
  }

  private onRevoked(userId: string, tokenVersion: number) {
    for (const stream of [...(this.streams.get(userId) ?? [])]) {
      if (stream.caller.tokenVersion >= tokenVersion) continue;
      this.write(stream, 'event: session-revoked\ndata: {}\n\n');
      this.close(stream);
    }
  }

  /** After the LISTEN connection came back: send what committed while it was down. */
  private catchUpAll() {
    for (const set of this.streams.values()) {
      for (const stream of set) {
        // A stream still starting replays (or starts at the latest position) by itself.
        if (stream.held) continue;
        this.replay(stream, stream.position).catch((error) => this.logger.error({ err: error }, 'notification stream: catch-up failed'));
      }
    }
  }
}
