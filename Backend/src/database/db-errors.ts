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
