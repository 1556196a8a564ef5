/**
 * GET /notifications/stream: Server-Sent Events for the owner only, across API replicas
 * (PostgreSQL LISTEN/NOTIFY), with Last-Event-ID replay, heartbeats, one-time tickets for
 * EventSource, and streams that end with the credential that opened them.
 */
import { startTestApp, type TestApp } from './harness/app';
import { ApiClient } from './harness/auth-client';
import { PASSWORD, startMoneyTestEnv, type MoneyTestEnv, type TestUser } from './harness/money';
import { openSse, type SseStream } from './harness/sse';
import { eventually } from './harness/process';

let env: MoneyTestEnv;
let replicaB: TestApp;
let alice: TestUser;
let bob: TestUser;
let admin: TestUser;
const open: SseStream[] = [];

async function stream(app: TestApp, path: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const s = await openSse(`${app.baseUrl}${path}`, headers);
  open.push(s);
  if (s.status === 200) await eventually(() => (s.comments.includes('connected') ? true : undefined), 5_000, 'the stream to open');
  return s;
}

const bearer = (user: TestUser) => ({ authorization: `Bearer ${user.token}` });

/** A notification written as workers write them: a plain INSERT in another process's transaction. */
async function insertNotification(userId: string, title: string): Promise<string> {
  const { rows } = await env.db.pool.query(`INSERT INTO "Notification" (id, "userId", title, body) VALUES (gen_random_uuid(), $1, $2, 'body') RETURNING seq::text`, [userId, title]);
  return rows[0].seq;
}

const titles = (s: SseStream) => s.events.filter((e) => e.event === 'notification').map((e) => JSON.parse(e.data).title as string);

beforeAll(async () => {
  env = await startMoneyTestEnv();
  replicaB = await startTestApp({ DATABASE_URL: env.db.url, ...env.smtp.env, ...env.workerEnv, NOTIFICATION_STREAMS_PER_USER: '2' });
  [alice, bob, admin] = [await env.newUser(), await env.newUser(), await env.newUser({ admin: true })];
});
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});
afterAll(async () => {
  await replicaB.close();
  await env.close();
});

describe('live delivery across replicas', () => {
  it('a notification created through replica A reaches the owner on replica B within a second; another user receives nothing', async () => {
    const aliceOnB = await stream(replicaB, '/notifications/stream', bearer(alice));
    const bobOnB = await stream(replicaB, '/notifications/stream', bearer(bob));
    const bobOnA = await stream(env.app, '/notifications/stream', bearer(bob));
    expect(aliceOnB.status).toBe(200);
    expect(aliceOnB.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(aliceOnB.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(aliceOnB.headers.get('x-accel-buffering')).toBe('no');
    expect(aliceOnB.headers.get('x-request-id')).toBeTruthy();

    const deposit = await env.api.post('/deposits', { asset: 'ETH', amount: '0.5' }, { token: alice.token });
    expect(deposit.status).toBe(201);
    const rejected = await env.api.post(`/admin/deposits/${deposit.body.id}/reject`, { reason: 'Sender failed screening' }, { token: admin.token });
    expect(rejected.status).toBe(200);

    const [event] = await aliceOnB.waitForEvents(1, 1_000);
    const row = (await env.db.pool.query(`SELECT id, seq::text, title, body FROM "Notification" WHERE "userId" = $1`, [alice.id])).rows;
    expect(row).toHaveLength(1);
    expect(event).toEqual({ id: row[0].seq, event: 'notification', data: expect.any(String) });
    expect(JSON.parse(event!.data)).toEqual({ id: row[0].id, title: 'Deposit rejected', body: row[0].body, readAt: null, createdAt: expect.any(String) });

    // Bob's own notification arrives on both his streams, and it is the first thing they got.
    await insertNotification(bob.id, 'for bob');
    await bobOnB.waitForEvents(1);
    await bobOnA.waitForEvents(1);
    expect(titles(bobOnB)).toEqual(['for bob']);
    expect(titles(bobOnA)).toEqual(['for bob']);
    expect(bobOnB.raw()).not.toContain('Deposit rejected');
    expect(titles(aliceOnB)).toEqual(['Deposit rejected']);
  });

  it('a rolled-back write announces nothing (NOTIFY is sent on commit only)', async () => {
    const s = await stream(replicaB, '/notifications/stream', bearer(alice));
    const client = await env.db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`INSERT INTO "Notification" (id, "userId", title, body) VALUES (gen_random_uuid(), $1, 'rolled back', 'x')`, [alice.id]);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    await insertNotification(alice.id, 'committed');
    await s.waitForEvents(1);
    expect(titles(s)).toEqual(['committed']);
  });
});

describe('a lost LISTEN connection', () => {
  it('reconnects and delivers what committed while it was down, without replaying older history', async () => {
    await insertNotification(alice.id, 'old history');
    const s = await stream(replicaB, '/notifications/stream', bearer(alice));
    const killed = await env.db.pool.query(`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'kryptovault-notification-bus'`);
    expect(killed.rows.length).toBeGreaterThanOrEqual(1);
    await insertNotification(alice.id, 'during the outage');
    await s.waitForEvents(1, 10_000);
    await eventually(async () => {
      const { rows } = await env.db.pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'kryptovault-notification-bus'`);
      return rows[0].n >= 2 ? true : undefined;
    }, 10_000, 'both replicas listening again');
    await insertNotification(alice.id, 'after');
    await s.waitForEvents(2);
    expect(titles(s)).toEqual(['during the outage', 'after']);
  });
});

describe('Last-Event-ID', () => {
  it('a reconnect replays exactly what was missed, in order, then continues live', async () => {
    const first = await stream(env.app, '/notifications/stream', bearer(alice));
    await insertNotification(alice.id, 'seen');
    const [seen] = await first.waitForEvents(1);
    first.close();

    await insertNotification(alice.id, 'missed 1');
    await insertNotification(bob.id, 'not alice');
    await insertNotification(alice.id, 'missed 2');

    const again = await stream(replicaB, '/notifications/stream', { ...bearer(alice), 'last-event-id': seen!.id! });
    await again.waitForEvents(2);
    await insertNotification(alice.id, 'live');
    await again.waitForEvents(3);
    expect(titles(again)).toEqual(['missed 1', 'missed 2', 'live']);
    const ids = again.events.map((e) => BigInt(e.id!));
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
    expect(ids[0]! > BigInt(seen!.id!)).toBe(true);

    // The query parameter does the same for a new EventSource (which cannot set the header).
    const viaQuery = await stream(replicaB, `/notifications/stream?lastEventId=${seen!.id}`, bearer(alice));
    await viaQuery.waitForEvents(3);
    expect(titles(viaQuery)).toEqual(['missed 1', 'missed 2', 'live']);
  });

  it('refuses a malformed position with a 400 naming it', async () => {
    const header = await stream(env.app, '/notifications/stream', { ...bearer(alice), 'last-event-id': 'abc' });
    await header.ended;
    expect(header.status).toBe(400);
    expect(JSON.parse(header.raw()).details).toEqual([expect.objectContaining({ field: 'Last-Event-ID' })]);
    // past int8's maximum: a 400 before the stream opens, not a replay query failing after it
    const huge = await stream(env.app, '/notifications/stream', { ...bearer(alice), 'last-event-id': '9999999999999999999' });
    await huge.ended;
    expect(huge.status).toBe(400);
    for (const bad of ['-1', '1e3', '9999999999999999999', '99999999999999999999']) {
      const query = await stream(env.app, `/notifications/stream?lastEventId=${bad}`, bearer(alice));
      await query.ended;
      expect({ bad, status: query.status, fields: JSON.parse(query.raw()).details.map((d: { field: string }) => d.field) }).toEqual({ bad, status: 400, fields: ['lastEventId'] });
    }
    const unknown = await stream(env.app, '/notifications/stream?userId=x', bearer(alice));
    await unknown.ended;
    expect(unknown.status).toBe(400);
  });
});

describe('who may open a stream', () => {
  it('refuses anonymous callers and bad tokens', async () => {
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer nope' }, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }]) {
      const s = await stream(env.app, '/notifications/stream', headers);
      await s.ended;
      expect(s.status).toBe(401);
    }
    expect((await env.api.post('/notifications/stream-ticket')).status).toBe(401);
  });

  it('a valid ticket with a refused Authorization header is a 401 (the header is not ignored), and the ticket is still usable', async () => {
    const issued = await env.api.post('/notifications/stream-ticket', undefined, { token: alice.token });
    const refused = await stream(env.app, `/notifications/stream?ticket=${issued.body.ticket}`, { authorization: 'Bearer nope' });
    await refused.ended;
    expect(refused.status).toBe(401);
    const ok = await stream(env.app, `/notifications/stream?ticket=${issued.body.ticket}`, bearer(alice));
    expect(ok.status).toBe(200);
  });

  it('a ticket opens one stream once; it is stored hashed, dies with logout-all, and expires', async () => {
    const issued = await env.api.post('/notifications/stream-ticket', undefined, { token: alice.token });
    expect(issued.status).toBe(201);
    expect(issued.body).toEqual({ ticket: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), expiresAt: expect.any(String) });
    const left = Date.parse(issued.body.expiresAt) - Date.now();
    expect(left).toBeGreaterThan(50_000);
    expect(left).toBeLessThanOrEqual(60_000);
    const stored = await env.db.pool.query(`SELECT "tokenHash" FROM "NotificationStreamTicket" WHERE "userId" = $1`, [alice.id]);
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0].tokenHash).not.toContain(issued.body.ticket);

    // Redeemed on the other replica, without any Authorization header.
    const s = await stream(replicaB, `/notifications/stream?ticket=${issued.body.ticket}`);
    expect(s.status).toBe(200);
    await insertNotification(alice.id, 'via ticket');
    await s.waitForEvents(1);
    expect(titles(s)).toEqual(['via ticket']);

    const replay = await stream(env.app, `/notifications/stream?ticket=${issued.body.ticket}`);
    await replay.ended;
    expect(replay.status).toBe(401);
    expect(JSON.parse(replay.raw()).error).toBe('STREAM_TICKET_INVALID');

    for (const ticket of ['x', 'A'.repeat(43), encodeURIComponent(`${issued.body.ticket}'--`)]) {
      const bad = await stream(env.app, `/notifications/stream?ticket=${ticket}`);
      await bad.ended;
      expect(bad.status).toBe(401);
    }

    const expired = await env.api.post('/notifications/stream-ticket', undefined, { token: alice.token });
    await env.db.pool.query(`UPDATE "NotificationStreamTicket" SET "expiresAt" = now() - interval '1 second' WHERE "userId" = $1`, [alice.id]);
    const late = await stream(env.app, `/notifications/stream?ticket=${expired.body.ticket}`);
    await late.ended;
    expect(late.status).toBe(401);

    const carol = await env.newUser();
    const beforeLogout = await env.api.post('/notifications/stream-ticket', undefined, { token: carol.token });
    expect((await env.api.post('/auth/logout-all', undefined, { token: carol.token })).status).toBeLessThan(300);
    const afterLogout = await stream(env.app, `/notifications/stream?ticket=${beforeLogout.body.ticket}`);
    await afterLogout.ended;
    expect(afterLogout.status).toBe(401);
    // A ticket travels in the URL: never into the logs, where it could be replayed before it is used.
    for (const log of [env.app.rawLogs, replicaB.rawLogs]) expect(log.join('\n')).not.toContain(issued.body.ticket);
    expect(replicaB.rawLogs.join('\n')).toContain('/notifications/stream?ticket=[REDACTED]');
    // Used or refused tickets are gone: nothing left to try again.
    expect((await env.db.pool.query(`SELECT count(*)::int AS n FROM "NotificationStreamTicket" WHERE "userId" = ANY($1)`, [[alice.id, carol.id]])).rows[0].n).toBe(0);
  });

  it('open streams end with session-revoked on every replica when the user logs out everywhere', async () => {
    const dave = await env.newUser();
    const onA = await stream(env.app, '/notifications/stream', bearer(dave));
    const onB = await stream(replicaB, '/notifications/stream', bearer(dave));
    expect((await env.api.post('/auth/logout-all', undefined, { token: dave.token })).status).toBeLessThan(300);
    await Promise.all([onA.ended, onB.ended]);
    for (const s of [onA, onB]) expect(s.events.map((e) => e.event)).toEqual(['session-revoked']);
  });

  it('a stream ends with session-expired when the access token that opened it expires', async () => {
    const shortLived = await startTestApp({ DATABASE_URL: env.db.url, ...env.smtp.env, ...env.workerEnv, JWT_EXPIRES_IN: '2s' });
    try {
      const erin = await env.newUser();
      const login = await new ApiClient(shortLived.baseUrl).post('/auth/login', { email: erin.email, password: PASSWORD });
      expect(login.status).toBe(200);
      const s = await stream(shortLived, '/notifications/stream', { authorization: `Bearer ${login.body.accessToken}` });
      await s.ended;
      expect(s.events.map((e) => e.event)).toEqual(['session-expired']);
    } finally {
      await shortLived.close();
    }
  });

  it('limits open streams per user (429), and a closed stream frees its slot', async () => {
    const frank = await env.newUser();
    const first = await stream(replicaB, '/notifications/stream', bearer(frank));
    await stream(replicaB, '/notifications/stream', bearer(frank));
    const third = await stream(replicaB, '/notifications/stream', bearer(frank));
    await third.ended;
    const metrics = await (await fetch(`${replicaB.baseUrl}/metrics`)).text();
    expect(Number(/^kryptovault_notification_streams_open (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);
    expect(third.status).toBe(429);
    expect(JSON.parse(third.raw()).error).toBe('TOO_MANY_STREAMS');
    first.close();
    await eventually(async () => {
      const s = await openSse(`${replicaB.baseUrl}/notifications/stream`, bearer(frank));
      open.push(s);
      return s.status === 200 ? true : undefined;
    }, 5_000, 'a free slot');
  });
});

describe('heartbeats and shutdown', () => {
  it('sends a comment line every NOTIFICATION_STREAM_HEARTBEAT_SECONDS, and app.close() ends open streams instead of waiting on them', async () => {
    const app = await startTestApp({ DATABASE_URL: env.db.url, ...env.smtp.env, ...env.workerEnv, NOTIFICATION_STREAM_HEARTBEAT_SECONDS: '1' });
    const s = await stream(app, '/notifications/stream', bearer(alice));
    await eventually(() => (s.comments.filter((c) => c === 'heartbeat').length >= 2 ? true : undefined), 5_000, 'two heartbeats');
    await app.close();
    await s.ended;
    expect(s.raw().startsWith('retry: 3000\n: connected\n\n')).toBe(true);
  });
});
