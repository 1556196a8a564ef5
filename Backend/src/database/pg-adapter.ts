import pg from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import { PrismaPg } from '@prisma/adapter-pg';
import type { AppConfig } from '../config/config.schema';

import { ColumnTypeEnum, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';

// PostgreSQL catalog types that @prisma/adapter-pg 6.19 cannot map (prisma/orm#27403):
// `name` (oid 19) is text on the wire; `"char"` (oid 18) is a one-character code that the
// schema engine reads as a Character column (a Text column makes it panic while reading
// CHECK constraints). Both are relabelled as `text` (oid 25) before the adapter maps types,
// and the `"char"` columns are remembered so the adapter's answer can name them Character.
const NAME_OID = 19;
const CHAR_OID = 18;
const TEXT_OID = 25;
const CHAR_COLUMNS = Symbol('kryptovault.charColumns');

type Rows = unknown[] & { [CHAR_COLUMNS]?: number[] };

function relabelCatalogTypes<T>(result: T): T {
  for (const part of Array.isArray(result) ? result : [result]) {
    const res = part as { fields?: { dataTypeID: number }[]; rows?: Rows } | null;
    const charColumns: number[] = [];
    (res?.fields ?? []).forEach((field, index) => {
      if (field.dataTypeID === CHAR_OID) charColumns.push(index);
      if (field.dataTypeID === CHAR_OID || field.dataTypeID === NAME_OID) field.dataTypeID = TEXT_OID;
    });
    if (charColumns.length > 0 && res?.rows) res.rows[CHAR_COLUMNS] = charColumns;
  }
  return result;
}

/** A pg Client whose results never carry the catalog types the adapter rejects. */
export class CatalogTypesAsTextClient extends pg.Client {
  // pg's overloads make a typed override impractical; the behaviour is a pass-through.
  override query(...args: any[]): any {
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args[args.length - 1] = (err: Error | null, res: unknown) => last(err, err ? res : relabelCatalogTypes(res));
      return (super.query as any)(...args);
    }
    const out = (super.query as any)(...args);
    return out && typeof out.then === 'function' ? out.then(relabelCatalogTypes) : out;
  }
}

type Queryable = { queryRaw(query: unknown): Promise<{ columnTypes: number[]; rows: Rows }> };

/** Restores the Character type of `"char"` columns (the rows array is passed through by the adapter). */
function withCharacterColumns<T extends Queryable>(queryable: T): T {
  const queryRaw = queryable.queryRaw.bind(queryable);
  queryable.queryRaw = async (query: unknown) => {
    const result = await queryRaw(query);
    for (const index of result.rows[CHAR_COLUMNS] ?? []) result.columnTypes[index] = ColumnTypeEnum.Character;
    return result;
  };
  return queryable;
}

/** Pool size and timeouts (DATABASE_POOL_SIZE, DATABASE_CONNECT_TIMEOUT_MS, DATABASE_STATEMENT_TIMEOUT_MS). */
export interface DatabaseSettings {
  poolSize: number;
  connectTimeoutMs: number;
  /** 0: no limit from us (the server's own statement_timeout applies). */
  statementTimeoutMs: number;
}

export const DEFAULT_DATABASE_SETTINGS: DatabaseSettings = { poolSize: 10, connectTimeoutMs: 5_000, statementTimeoutMs: 30_000 };

export function databaseSettings(
  config: Pick<AppConfig, 'DATABASE_POOL_SIZE' | 'DATABASE_CONNECT_TIMEOUT_MS' | 'DATABASE_STATEMENT_TIMEOUT_MS'>,
): DatabaseSettings {
  return {
    poolSize: config.DATABASE_POOL_SIZE,
    connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
  };
}

// Prisma reads and writes timestamp columns as UTC; SQL that compares them with now()
// (leases, expiries, lockouts) is only right when the session's time zone is UTC too.
const UTC_SESSION_OPTION = '-c TimeZone=UTC';

/**
 * pg settings from DATABASE_URL, parsed exactly as node-postgres parses a connection string
 * (pg-connection-string): sslmode, sslrootcert/sslcert/sslkey, options, application_name,
 * statement_timeout... pg 8's sslmode meanings are kept, never weakened: prefer, require,
 * verify-ca and verify-full all verify the server certificate and host name (against
 * sslrootcert, or the system CAs); `no-verify` is the explicit opt-out; `uselibpqcompat=true`
 * selects libpq's meanings (require without sslrootcert does not verify). Discrete fields
 * come back too: the shadow database of the drift check is the same server, another database.
 */
export function parseDatabaseUrl(databaseUrl: string, settings: Partial<DatabaseSettings> = {}): pg.PoolConfig {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(databaseUrl)?.[1]?.toLowerCase();
  if (scheme !== 'postgres' && scheme !== 'postgresql') {
    throw new Error('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  const { poolSize, connectTimeoutMs, statementTimeoutMs } = { ...DEFAULT_DATABASE_SETTINGS, ...settings };
  const parsed = parseIntoClientConfig(databaseUrl) as pg.ClientConfig & { connection_limit?: string };
  const { connection_limit: connectionLimit, ...client } = parsed;
  return {
    ...client,
    // A user's own `options` (search_path, work_mem...) are kept; ours comes last so UTC wins.
    options: [client.options, UTC_SESSION_OPTION].filter(Boolean).join(' '),
    statement_timeout: client.statement_timeout ?? (statementTimeoutMs > 0 ? statementTimeoutMs : undefined),
    // Prisma's URL parameter, still honoured for existing deployments.
    max: connectionLimit ? Number(connectionLimit) : poolSize,
    // pg-pool applies this to a connection attempt and to the wait for a free connection.
    connectionTimeoutMillis: connectTimeoutMs,
    // Notices a peer that vanished (failover, NAT timeout) instead of waiting on a dead socket.
    keepAlive: true,
  };
}

/**
 * A plain pg pool on DATABASE_URL with the same TLS, options and timeouts as the Prisma client.
 * pg-pool listens for a client's errors only while the client is idle: one that dies while
 * checked out but between statements (a restart, a terminated backend; Prisma's transactions
 * attach their listener a tick after checkout) would emit an 'error' nobody handles, which ends
 * the process. Each client keeps a listener for its whole life: it is unusable after the
 * error, its next query fails (DATABASE_UNAVAILABLE) and release() drops it.
 */
export function createPgPool(databaseUrl: string, settings: Partial<DatabaseSettings> = {}): pg.Pool {
  const pool = new pg.Pool(parseDatabaseUrl(databaseUrl, settings));
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/**
 * `fn` in one transaction on one connection of `pool`, committed when it resolves (deferred
 * constraints fire then) and rolled back when it throws. A connection whose ROLLBACK fails is
 * destroyed, not given back to the pool.
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    client.release(broken);
  }
}

function poolConfig(config: pg.PoolConfig): pg.PoolConfig {
  return { ...config, Client: CatalogTypesAsTextClient as unknown as typeof pg.Client };
}

/**
 * Driver adapter for the Prisma runtime client. Plain pg clients: the catalog-type relabelling
 * is for the schema engine only (the runtime's queries never return `name` or `"char"`
 * columns), and would be one more wrapper on every query.
 */
export function createPrismaPg(databaseUrl: string, settings: Partial<DatabaseSettings> = {}): PrismaPg {
  return releasingFailedTransactionEnds(new PrismaPg(parseDatabaseUrl(databaseUrl, settings)));
}

type RuntimeAdapter = Awaited<ReturnType<PrismaPg['connect']>>;

/**
 * Prisma 6.19's transaction manager ends an interactive transaction by sending COMMIT or
 * ROLLBACK through `executeRaw`, and only then calls `commit()`/`rollback()`, which give the
 * connection back to the pool. When that statement fails — the connection died under it
 * (database restart, failover, terminated backend), or a deferred constraint failed at COMMIT —
 * the connection is never given back: the pool loses a slot for good (DATABASE_POOL_SIZE such
 * losses and every query waits out DATABASE_CONNECT_TIMEOUT_MS), and `pool.end()` then waits
 * forever, so a worker whose pass failed drained its event loop and exited 0. Here a failed
 * COMMIT/ROLLBACK gives the connection back itself (pg-pool discards a dead one; a live one has
 * no transaction left: PostgreSQL ends it when COMMIT fails), and the later commit()/rollback()
 * are no-ops.
 */
export function releasingFailedTransactionEnds<F extends { connect(): Promise<RuntimeAdapter> }>(factory: F): F {
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = await connect();
    const startTransaction = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (...args: Parameters<RuntimeAdapter['startTransaction']>) => {
      const tx = await startTransaction(...args);
      let ended = false;
      const once = (end: () => Promise<void>) => async () => {
        if (ended) return;
        ended = true;
        await end();
      };
      const commit = once(tx.commit.bind(tx));
      const rollback = once(tx.rollback.bind(tx));
      const executeRaw = tx.executeRaw.bind(tx);
      tx.commit = commit;
      tx.rollback = rollback;
      tx.executeRaw = async (query) => {
        try {
          return await executeRaw(query);
        } catch (error) {
          if (query.sql === 'COMMIT' || query.sql === 'ROLLBACK') await rollback().catch(() => undefined);
          throw error;
        }
      };
      return tx;
    };
    return adapter;
  };
  return factory;
}

type MigrationAdapter = Awaited<ReturnType<PrismaPg['connect']>>;

/**
 * adapter-pg 6.19 runs a migration script by splitting it on ';', which breaks
 * dollar-quoted function bodies and applies half a migration when a statement fails.
 * PostgreSQL runs a multi-statement simple query as one implicit transaction, so we
 * send the script whole: a migration applies completely or not at all.
 */
function forMigrations(adapter: MigrationAdapter): MigrationAdapter {
  withCharacterColumns(adapter as unknown as Queryable);
  const internal = adapter as unknown as { onError(error: unknown): never };
  adapter.executeScript = async (script: string) => {
    const pool = adapter.underlyingDriver() as pg.Pool;
    try {
      await pool.query(script);
    } catch (error) {
      internal.onError(error);
    }
  };
  return adapter;
}

/**
 * Adapter factory for the Prisma CLI (WebAssembly schema engine). adapter-pg's own
 * connectToShadowDb reuses the main database or drops the shadow one while its pool is
 * still connected, so the shadow database is managed here: a uniquely named database,
 * dropped WITH (FORCE) when the engine disposes of it.
 */
export function createMigrationAdapterFactory(databaseUrl: string): SqlMigrationAwareDriverAdapterFactory {
  // No statement timeout of ours: an index build may take longer (the Job has its own deadline).
  const fields = parseDatabaseUrl(databaseUrl, { statementTimeoutMs: 0 });
  const main = new PrismaPg(poolConfig(fields));
  return {
    provider: main.provider,
    adapterName: main.adapterName,
    connect: async () => forMigrations(await main.connect()),
    async connectToShadowDb() {
      const shadow = `prisma_shadow_${Date.now()}_${Math.random().toString(36).slice(2, 10)}`;
      const admin = new pg.Client({ ...fields });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE "${shadow}"`);
      } finally {
        await admin.end();
      }
      const adapter = forMigrations(await new PrismaPg(poolConfig({ ...fields, database: shadow })).connect());
      const dispose = adapter.dispose.bind(adapter);
      adapter.dispose = async () => {
        await dispose();
        const dropper = new pg.Client({ ...fields });
        await dropper.connect();
        try {
          await dropper.query(`DROP DATABASE IF EXISTS "${shadow}" WITH (FORCE)`);
        } finally {
          await dropper.end();
        }
      };
      return adapter;
    },
  };
}
