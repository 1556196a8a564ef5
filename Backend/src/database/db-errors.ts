/**
 * The SQLSTATE of a database error, however it surfaced: Prisma's known-request errors
 * (P2002 and raw-query P2010 carry the driver error in `meta`) or the pg driver adapter's
 * own error (thrown as is for some constraint failures inside triggers).
 */
export function sqlStateOf(error: unknown): string | undefined {
  const e = error as { code?: unknown; meta?: { driverAdapterError?: { cause?: { originalCode?: string } } }; cause?: { originalCode?: string; code?: string } };
  if (!e || typeof e !== 'object') return undefined;
  if (e.code === 'P2002') return '23505';
  return e.meta?.driverAdapterError?.cause?.originalCode ?? e.cause?.originalCode ?? (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined);
}

export const UNIQUE_VIOLATION = '23505';
export const CHECK_VIOLATION = '23514';

/** Prisma's codes for "no conversation with the database": unreachable, timed out, connection closed, no free pooled connection in time. */
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** The pg driver adapter's kinds of the same. */
const UNAVAILABLE_ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
/**
 * SQLSTATEs: class 08 (connection exception), 57P01/57P02 (sessions terminated by a shutdown or
 * a crash), 57P03 (the server is starting up or shutting down), 53300 (too many connections).
 */
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[123]|53300)$/;
/** Socket errors, thrown as is by pg (queries on the pool Prisma shares, the rate-limit pool). */
const UNAVAILABLE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** pg and pg-pool's own errors for a connection that could not be had or was lost (no code). */
const UNAVAILABLE_PG_MESSAGES = /^(timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error and is not queryable)/;

/**
 * Whether `error` means the database cannot be talked to right now (down, restarting,
 * unreachable, out of connections) rather than a problem with the request or the data: the
 * API answers those 503 DATABASE_UNAVAILABLE (src/errors/error-body.ts). Looks through
 * Prisma's wrapping (meta.driverAdapterError, cause) to the driver's error.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const e = queue.shift() as
      | { code?: unknown; errorCode?: unknown; kind?: unknown; originalCode?: unknown; message?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown } }
      | undefined;
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    for (const code of [e.code, e.errorCode, e.originalCode]) {
      if (typeof code !== 'string') continue;
      if (UNAVAILABLE_PRISMA_CODES.has(code) || UNAVAILABLE_SOCKET_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code)) return true;
    }
    if (typeof e.kind === 'string' && UNAVAILABLE_ADAPTER_KINDS.has(e.kind)) return true;
    if (e.code === undefined && typeof e.message === 'string' && UNAVAILABLE_PG_MESSAGES.test(e.message)) return true;
    queue.push(e.cause, e.meta?.driverAdapterError);
  }
  return false;
}
