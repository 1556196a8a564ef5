/**
 * Graceful shutdown under load: the real API process (`node dist/main.js`) serves a stream of
 * keep-alive requests on a database route while it gets SIGTERM, 20 times over, a fresh
 * process each time with the load generator following it to its new port.
 *
 * What "accepted" means here. A request is accepted once the server has read it: Fastify
 * logged it as `incoming request` (the app's JSON log). Every accepted request must complete
 * with a 2xx *and that answer must reach the client* (the client's 2xx count equals the
 * server's completed count). A request the server never read cannot have had an effect and is
 * safe to send again elsewhere; the client may see it fail only as
 * - connection refused (the listener is closed),
 * - a reset of a connection that never got an answer (it was still in the kernel's accept
 *   queue when the listener closed: the application never saw it),
 * - a reset after the server answered `Connection: close` on that connection (the client wrote
 *   another request on a socket the server said it would close; autocannon does not honour the
 *   header, a conforming client does not do that).
 * What must never happen: a non-2xx answer, a timeout, or the server closing a keep-alive
 * connection it had not announced closing while a request was on its way (the classic race
 * that drops requests on every rollout). The app avoids it by answering `Connection: close`
 * from the moment of SIGTERM (src/lifecycle/graceful-shutdown.ts): during SHUTDOWN_DELAY_MS
 * every client learns to stop reusing its socket, so when the listener closes no keep-alive
 * socket is left idle to be closed under a client's feet. In a cluster the delay is also when
 * endpoints and load balancers stop sending new connections; this load generator does not
 * stop, which is the harsher case.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startLoad, type LoadReport, type RunningLoad } from '../harness/load';
import { createTestDatabase, type TestDatabase } from '../harness/postgres';
import { BACKEND_DIR, eventually, killAll, logLines, runApi, statusOf, type RunningProcess } from '../harness/process';

const CYCLES = 20;
const CONNECTIONS = 48;
/** Short, so 20 cycles fit in minutes; long enough for every connection to get a `Connection: close` answer. */
const TEST_SHUTDOWN_DELAY_MS = 1000;
/** Requests answered before the signal (then all CONNECTIONS have one in flight at any moment). */
const WARM_RESPONSES = 100;

/** The chart's gracefulShutdown values (charts/kryptovault/values.yaml, generated from cdk8s/src/config/values.ts). */
function chartGracefulShutdown(): { shutdownDelaySeconds: number; terminationGracePeriodSeconds: number } {
  const values = fs.readFileSync(path.join(BACKEND_DIR, '..', 'charts', 'kryptovault', 'values.yaml'), 'utf8');
  const block = /^gracefulShutdown:\n((?:[ #].*\n)+)/m.exec(values)?.[1] ?? '';
  const read = (key: string) => {
    const match = new RegExp(`^\\s+${key}: (\\d+)$`, 'm').exec(block);
    if (!match) throw new Error(`gracefulShutdown.${key} not found in the chart's values.yaml`);
    return Number(match[1]);
  };
  return { shutdownDelaySeconds: read('shutdownDelaySeconds'), terminationGracePeriodSeconds: read('terminationGracePeriodSeconds') };
}

type RunningApi = Awaited<ReturnType<typeof runApi>>;

interface Cycle {
  cycle: number;
  exit: { code: number | null; signal: NodeJS.Signals | null };
  /** SIGTERM to exit, minus the test's shutdown delay: what the drain itself took. */
  drainMs: number;
  readiness: (number | undefined)[];
  load: LoadReport;
  server: { accepted: number; completed2xx: number; notCompleted: number; otherStatuses: Record<number, number>; refusedWhileClosing: number; errors: string[] };
}

/** What the server's log says about the requests on `route`: read, answered, how. */
function serverSide(proc: RunningProcess, route: string): Cycle['server'] {
  const lines = logLines(proc);
  const accepted = new Set(lines.filter((l) => l.msg === 'incoming request' && l.req?.url === route).map((l) => l.reqId as string));
  const completed = new Map(lines.filter((l) => l.msg === 'request completed' && accepted.has(l.reqId)).map((l) => [l.reqId as string, l.res.statusCode as number]));
  const otherStatuses: Record<number, number> = {};
  let completed2xx = 0;
  for (const status of completed.values()) {
    if (status >= 200 && status < 300) completed2xx++;
    else otherStatuses[status] = (otherStatuses[status] ?? 0) + 1;
  }
  return {
    accepted: accepted.size,
    completed2xx,
    notCompleted: accepted.size - completed.size,
    otherStatuses,
    refusedWhileClosing: lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('request aborted')).length,
    // Errors of the route's requests and of the process itself (the readiness probes' 503s are logged too: those are expected).
    errors: lines
      .filter((l) => (l.level === 'error' || l.level === 'fatal') && (l.reqId === undefined || accepted.has(l.reqId)))
      .map((l) => `${l.msg}: ${l.err?.message ?? ''}`),
  };
}

describe('graceful shutdown under load', () => {
  let db: TestDatabase;
  const procs = new Set<RunningProcess>();
  let next: Promise<RunningApi> | undefined;
  let load: RunningLoad | undefined;
  const chart = chartGracefulShutdown();
  // The chart gives the app `terminationGracePeriodSeconds` after SIGTERM, of which it spends
  // `shutdownDelaySeconds` serving while endpoints drop it: what is left is the drain's budget.
  // The test's delay is shorter, so its drain (SIGTERM to exit, minus the delay) must fit that budget.
  const drainBudgetMs = (chart.terminationGracePeriodSeconds - chart.shutdownDelaySeconds) * 1000;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await load?.stop();
    await next?.catch(() => undefined);
    await killAll(procs);
    await db?.drop();
  });

  it(`${CYCLES} SIGTERMs under ${CONNECTIONS} keep-alive connections: every accepted request answered 2xx, /readyz 503 at once, exit 0 within the grace period`, async () => {
    expect(drainBudgetMs).toBeGreaterThan(0);
    const cycles: Cycle[] = [];
    const startApi = async () => {
      const proc = await runApi({ DATABASE_URL: db.url, SHUTDOWN_DELAY_MS: String(TEST_SHUTDOWN_DELAY_MS), LOG_LEVEL: 'info' });
      procs.add(proc);
      return proc;
    };
    next = startApi();
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      const proc = await next;
      await eventually(async () => ((await statusOf(`${proc.baseUrl}/readyz`)) === 200 ? true : undefined), 60_000, `API #${cycle} ready`, 50);

      const cycleLoad = startLoad(`${proc.baseUrl}/plans`, { connections: CONNECTIONS, timeoutSeconds: 30 });
      load = cycleLoad;
      await eventually(() => (cycleLoad.current().twoXx >= WARM_RESPONSES ? true : undefined), 30_000, 'the load to get going');

      const signalledAt = Date.now();
      proc.child.kill('SIGTERM');
      // As in a rolling update, the next process boots while this one drains.
      if (cycle < CYCLES) next = startApi();
      // A signal reaches the app through its event loop: a probe whose bytes were read in the
      // same loop turn can still be answered 200 (it came first). So: from the moment the
      // process says it has the signal (polled every 5 ms) until the listener closes, every
      // readiness probe is 503.
      await eventually(() => (proc.output().includes('"signal received"') ? true : undefined), 10_000, 'the signal to be handled', 5);
      const readiness: (number | undefined)[] = [];
      let exited = false;
      void proc.exited.then(() => (exited = true));
      while (!exited) {
        const status = await statusOf(`${proc.baseUrl}/readyz`);
        readiness.push(status);
        if (status === undefined) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      let graceTimer: NodeJS.Timeout | undefined;
      const exit = await Promise.race([
        proc.exited,
        new Promise<never>((_, reject) => {
          graceTimer = setTimeout(
            () => reject(new Error(`API #${cycle} still running ${chart.terminationGracePeriodSeconds} s after SIGTERM (the kubelet would SIGKILL it)`)),
            chart.terminationGracePeriodSeconds * 1000,
          );
        }),
      ]).finally(() => clearTimeout(graceTimer));
      const drainMs = Date.now() - signalledAt - TEST_SHUTDOWN_DELAY_MS;
      const report = await cycleLoad.stop();
      load = undefined;
      procs.delete(proc);
      cycles.push({ cycle, exit, drainMs, readiness, load: report, server: serverSide(proc, '/plans') });
      const c = cycles[cycles.length - 1]!;
      process.stdout.write(
        `[graceful-shutdown] cycle ${cycle}: client ${JSON.stringify(report.statuses)} errors ${JSON.stringify(report.errorCodes)} timeouts ${report.timeouts}; ` +
          `server read ${c.server.accepted}, answered 2xx ${c.server.completed2xx}; readiness ${JSON.stringify(readiness)}; exit ${exit.code} after ${drainMs} ms of drain\n`,
      );
    }

    for (const c of cycles) {
      const where = `cycle ${c.cycle}: ${JSON.stringify(c)}`;
      // exit 0 (not killed by a signal, not the app's own shutdown timeout) within the grace period
      expect({ where, exit: c.exit }).toEqual({ where, exit: { code: 0, signal: null } });
      expect(c.drainMs).toBeLessThan(drainBudgetMs);
      // 503 from the first poll after the signal until the listener closed
      expect(c.readiness[0]).toBe(503);
      expect(c.readiness.filter((s) => s !== undefined && s !== 503)).toEqual([]);
      // the client: only 2xx answers, no timeouts, no keep-alive connection dropped under a request
      expect({ where, non2xx: c.load.responses - c.load.twoXx, timeouts: c.load.timeouts, liveKeepAlive: c.load.errors.liveKeepAlive }).toEqual({
        where,
        non2xx: 0,
        timeouts: 0,
        liveKeepAlive: 0,
      });
      // the server: every request it read was answered 2xx, and every one of those answers arrived
      expect({ where, ...c.server, clientReceived2xx: c.load.twoXx }).toEqual({
        where,
        accepted: c.server.accepted,
        completed2xx: c.server.accepted,
        notCompleted: 0,
        otherStatuses: {},
        refusedWhileClosing: 0,
        errors: [],
        clientReceived2xx: c.server.accepted,
      });
    }
    // The load really was there when the signal came, in every cycle.
    expect(Math.min(...cycles.map((c) => c.server.accepted))).toBeGreaterThanOrEqual(WARM_RESPONSES);
  });
});
