import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';

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

export interface PgConnectionFields {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  ssl?: pg.ConnectionConfig['ssl'];
  max?: number;
}

/** Discrete connection fields from a postgres:// URL (the shadow database needs them). */
export function parseDatabaseUrl(databaseUrl: string): PgConnectionFields {
  const url = new URL(databaseUrl);
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new Error('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  const sslmode = url.searchParams.get('sslmode');
  const ssl =
    sslmode === 'require' || sslmode === 'prefer' || sslmode === 'no-verify'
      ? { rejectUnauthorized: false }
      : sslmode === 'verify-full' || sslmode === 'verify-ca'
        ? { rejectUnauthorized: true }
        : undefined;
  const limit = url.searchParams.get('connection_limit');
  return {
    host: decodeURIComponent(url.hostname) || 'localhost',
    port: url.port ? Number(url.port) : 5432,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres',
    ...(ssl ? { ssl } : {}),
    ...(limit ? { max: Number(limit) } : {}),
  };
}

function poolConfig(fields: PgConnectionFields): pg.PoolConfig {
  // Prisma reads and writes timestamp columns as UTC; SQL that compares them with now()
  // (leases, expiries, lockouts) is only right when the session's time zone is UTC too.
  return { ...fields, options: '-c TimeZone=UTC', Client: CatalogTypesAsTextClient as unknown as typeof pg.Client };
}

/** Driver adapter for the Prisma runtime client. */
export function createPrismaPg(databaseUrl: string): PrismaPg {
  return new PrismaPg(poolConfig(parseDatabaseUrl(databaseUrl)));
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
  const fields = parseDatabaseUrl(databaseUrl);
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
