import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

export const BACKEND_DIR = path.join(__dirname, '..', '..');

export interface RunningProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs a built entry point (dist/...) as a real process, the way the image does. */
export function runNode(script: string, env: NodeJS.ProcessEnv, options: { detached?: boolean; args?: string[] } = {}): RunningProcess {
  const child = spawn(process.execPath, [path.join(BACKEND_DIR, script), ...(options.args ?? [])], {
    cwd: BACKEND_DIR,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => out, exited };
}

/** Polls until `check` returns a value (or throws after the deadline). */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
  what = 'condition',
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}

export async function statusOf(url: string): Promise<number | undefined> {
  try {
    const res = await fetch(url);
    await res.arrayBuffer();
    return res.status;
  } catch {
    return undefined;
  }
}

/** `node dist/main.js` as the image runs it, on a free loopback port with JSON logs. */
export async function runApi(env: NodeJS.ProcessEnv): Promise<RunningProcess & { baseUrl: string }> {
  const { freePort } = await import('../../src/local/embedded-postgres');
  const { TEST_JWT_SECRET } = await import('./app');
  const port = await freePort();
  const proc = runNode('dist/main.js', { JWT_SECRET: TEST_JWT_SECRET, HOST: '127.0.0.1', PORT: String(port), LOG_FORMAT: 'json', ...env });
  return { ...proc, baseUrl: `http://127.0.0.1:${port}` };
}

/** The JSON log lines a process wrote (LOG_FORMAT=json); other output is skipped. */
export function logLines(proc: Pick<RunningProcess, 'output'>): Record<string, any>[] {
  return proc
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, any>];
      } catch {
        return [];
      }
    });
}

/** Sends SIGKILL to every process still running (afterAll: nothing outlives a test file). */
export async function killAll(procs: Iterable<Pick<RunningProcess, 'child' | 'exited'>>): Promise<void> {
  await Promise.all(
    [...procs].map(async (p) => {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await p.exited;
    }),
  );
}
