import { spawnSync } from 'node:child_process';
import path from 'node:path';

const BACKEND_DIR = path.join(__dirname, '..', '..');

/** Runs the Prisma CLI offline (scripts/prisma-offline.js) against a database; returns its output. */
export function runPrisma(args: string[], databaseUrl: string): { status: number; output: string } {
  const result = spawnSync(process.execPath, [path.join(BACKEND_DIR, 'scripts', 'prisma-offline.js'), ...args], {
    cwd: BACKEND_DIR,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { status: result.status ?? 1, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

export function migrateDeploy(databaseUrl: string): void {
  const { status, output } = runPrisma(['migrate', 'deploy'], databaseUrl);
  if (status !== 0) throw new Error(`prisma migrate deploy failed:\n${output}`);
}
