/** External tools (helm, promtool) installed by `npm run tools:install`; tests fail loudly without them. */
import { execFileSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { toolsBinDir } = require('../../scripts/tools-paths') as { toolsBinDir: () => string };

export function toolPath(name: 'helm' | 'promtool'): string {
  const p = path.join(toolsBinDir(), name);
  if (!fs.existsSync(p)) {
    throw new Error(`${name} not found at ${p}. Run \`npm run tools:install\` (installs helm from npm and promtool from apt) first.`);
  }
  return p;
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function run(tool: 'helm' | 'promtool', args: string[], opts: { cwd?: string } = {}): RunResult {
  try {
    const stdout = execFileSync(toolPath(tool), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.cwd, maxBuffer: 64 * 1024 * 1024 });
    return { status: 0, stdout, stderr: '' };
  } catch (e) {
    const err = e as SpawnSyncReturns<string> & { status: number | null };
    if (err.status === null || err.status === undefined) throw e;
    return { status: err.status, stdout: String(err.stdout ?? ''), stderr: String(err.stderr ?? '') };
  }
}

/** Runs and requires success, with the tool's output in the failure message. */
export function runOk(tool: 'helm' | 'promtool', args: string[]): string {
  const r = run(tool, args);
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}
