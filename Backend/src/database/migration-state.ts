import fs from 'node:fs';
import path from 'node:path';

/** Migration folders shipped with this build (prisma/migrations next to dist/). */
export function shippedMigrations(migrationsDir = path.join(__dirname, '..', '..', 'prisma', 'migrations')): string[] {
  return fs
    .readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(migrationsDir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort();
}

/** Migrations this build expects that the database has not finished applying. */
export function pendingMigrations(expected: string[], applied: { migration_name: string }[]): string[] {
  const done = new Set(applied.map((row) => row.migration_name));
  return expected.filter((name) => !done.has(name));
}
