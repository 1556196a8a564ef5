/**
 * A load generator for the resilience suite: autocannon's programmatic API (many keep-alive
 * connections hammering one route), with every connection error classified by what the
 * client knew about its connection when it failed. autocannon itself only counts errors.
 */
import type { EventEmitter } from 'node:events';
import type net from 'node:net';

/** What autocannon's programmatic API is called with here (the package ships no types). */
interface AutocannonOptions {
  url: string;
  connections: number;
  pipelining?: number;
  duration?: number;
  timeout?: number;
  sampleInt?: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  setupClient?: (client: AutocannonClient) => void;
}

interface AutocannonClient extends EventEmitter {
  conn: net.Socket;
}

type Autocannon = (options: AutocannonOptions, done: (error: Error | null) => void) => EventEmitter & { stop(): void };

const autocannon: Autocannon = require('autocannon');

/**
 * How a connection failed, from the client's side:
 * - `refused`: ECONNREFUSED, nothing was sent (no listener);
 * - `afterClose`: the connection's last response said `Connection: close` and the client wrote
 *   another request anyway (autocannon does not honour the header; RFC 9112 §9.6 says a client
 *   must not). The server never reads such a request;
 * - `beforeFirstResponse`: a connection that never got a response was reset (a connection still
 *   in the listener's accept queue when the listener closed, or one closed before its request was
 *   read). Whether the server read its request is told by the server's own log, not here;
 * - `liveKeepAlive`: the server closed a keep-alive connection it had not announced closing,
 *   while a request was on its way: the classic keep-alive race, a dropped request.
 */
export type ConnectionErrorKind = 'refused' | 'afterClose' | 'beforeFirstResponse' | 'liveKeepAlive';

export interface LoadReport {
  /** Responses by status code. */
  statuses: Record<number, number>;
  responses: number;
  twoXx: number;
  /** Responses that carried `Connection: close`. */
  closeAnnounced: number;
  errors: Record<ConnectionErrorKind, number>;
  /** Error codes (ECONNRESET, EPIPE...) per kind, for messages. */
  errorCodes: Record<string, number>;
  timeouts: number;
}

export interface RunningLoad {
  /** A live view of the counts so far. */
  current(): LoadReport;
  /** Stops every connection; resolves with the final counts. */
  stop(): Promise<LoadReport>;
}

/**
 * Starts `connections` keep-alive connections sending `method url` back to back until stopped.
 * `timeoutSeconds`: a request without an answer after this long counts as a timeout.
 */
export function startLoad(
  url: string,
  options: { connections: number; method?: string; headers?: Record<string, string>; body?: string; timeoutSeconds?: number },
): RunningLoad {
  const report: LoadReport = {
    statuses: {},
    responses: 0,
    twoXx: 0,
    closeAnnounced: 0,
    errors: { refused: 0, afterClose: 0, beforeFirstResponse: 0, liveKeepAlive: 0 },
    errorCodes: {},
    timeouts: 0,
  };
  const setupClient = (client: AutocannonClient) => {
    // Per socket: did it get a response, and did the last one announce the close?
    const answered = new WeakSet<net.Socket>();
    const closing = new WeakSet<net.Socket>();
    client.on('headers', (info: { statusCode: number; headers: string[] }) => {
      answered.add(client.conn);
      let close = false;
      for (let i = 0; i + 1 < info.headers.length; i += 2) {
        if (info.headers[i]!.toLowerCase() === 'connection' && /\bclose\b/i.test(info.headers[i + 1]!)) close = true;
      }
      if (close) {
        closing.add(client.conn);
        report.closeAnnounced++;
      }
    });
    client.on('response', (status: number) => {
      report.responses++;
      report.statuses[status] = (report.statuses[status] ?? 0) + 1;
      if (status >= 200 && status < 300) report.twoXx++;
    });
    // Emitted from the failed socket's handler, before autocannon reconnects: client.conn is that socket.
    client.on('connError', (error: Error & { code?: string }) => {
      const kind: ConnectionErrorKind =
        error.code === 'ECONNREFUSED' ? 'refused' : closing.has(client.conn) ? 'afterClose' : answered.has(client.conn) ? 'liveKeepAlive' : 'beforeFirstResponse';
      report.errors[kind]++;
      const key = `${kind}:${error.code ?? error.message}`;
      report.errorCodes[key] = (report.errorCodes[key] ?? 0) + 1;
    });
    client.on('timeout', () => report.timeouts++);
  };
  let resolveFinished!: () => void;
  const finished = new Promise<void>((resolve) => (resolveFinished = resolve));
  const instance = autocannon(
    {
      url,
      connections: options.connections,
      pipelining: 1,
      duration: 3600,
      timeout: options.timeoutSeconds ?? 10,
      // autocannon looks at its stop flag once per sample: keep stop() prompt.
      sampleInt: 100,
      method: options.method ?? 'GET',
      headers: options.headers,
      body: options.body,
      setupClient,
    },
    () => resolveFinished(),
  );
  const snapshot = (): LoadReport => JSON.parse(JSON.stringify(report));
  return {
    current: snapshot,
    stop: async () => {
      instance.stop();
      await finished;
      return snapshot();
    },
  };
}
