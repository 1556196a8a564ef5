import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const REPO_ROOT = path.join(__dirname, '..', '..', '..');

export interface PgClientTools {
  pgDump: string;
  pgRestore: string;
}

function majorOf(binary: string): number | undefined {
  try {
    const match = /\(PostgreSQL\) (\d+)/.exec(execFileSync(binary, ['--version'], { encoding: 'utf8' }));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * pg_dump and pg_restore of the server's major version (pg_dump refuses a newer server):
 * from <repo>/.tools/postgresql-<major>/bin (KRYPTOVAULT_TOOLS_DIR overrides <repo>/.tools),
 * where scripts/install-test-services.sh puts them, else Debian's layout, else PATH.
 */
export function pgClientTools(serverMajor: number): PgClientTools {
  const toolsDir = process.env.KRYPTOVAULT_TOOLS_DIR ? path.resolve(process.env.KRYPTOVAULT_TOOLS_DIR) : path.join(REPO_ROOT, '.tools');
  const dirs = [
    path.join(toolsDir, `postgresql-${serverMajor}`, 'bin'),
    `/usr/lib/postgresql/${serverMajor}/bin`,
    ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean),
  ];
  for (const dir of dirs) {
    const pgDump = path.join(dir, 'pg_dump');
    const pgRestore = path.join(dir, 'pg_restore');
    if (fs.existsSync(pgDump) && fs.existsSync(pgRestore) && majorOf(pgDump) === serverMajor && majorOf(pgRestore) === serverMajor) {
      return { pgDump, pgRestore };
    }
  }
  throw new Error(
    `no pg_dump/pg_restore of PostgreSQL ${serverMajor} in ${dirs.slice(0, 2).join(', ')} or on PATH: ` +
      'run `bash Backend/scripts/install-test-services.sh` (npm test runs it as pretest)',
  );
}

/** Runs a client tool; a non-zero exit rejects with its stderr. */
export async function runPgTool(binary: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await promisify(execFile)(binary, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const e = error as Error & { stderr?: string };
    throw new Error(`${path.basename(binary)} failed: ${e.stderr || e.message}`);
  }
}
