import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** MailDev (a development dependency): an SMTP catcher with a web page listing every email. */
export interface LocalMailbox {
  smtpPort: number;
  /** The web page (and MailDev's REST API: GET /email). */
  url: string;
  stop(): Promise<void>;
}

/**
 * Runs MailDev's own CLI as a child process, bound to loopback: its in-process API installs
 * signal handlers that exit the whole process, which would cut the ordered shutdown short.
 * Emails are kept in `dataDir` between runs.
 */
export async function startLocalMailbox(options: { dataDir: string; smtpPort: number; webPort: number }): Promise<LocalMailbox> {
  let bin: string;
  try {
    bin = path.join(path.dirname(require.resolve('maildev/package.json')), 'bin', 'maildev');
  } catch {
    throw new Error('the local mailbox needs the development dependencies (run `npm ci` in the repository), or set SMTP_HOST');
  }
  fs.mkdirSync(options.dataDir, { recursive: true });
  const child: ChildProcess = spawn(
    process.execPath,
    [bin, '--ip', '127.0.0.1', '--smtp', String(options.smtpPort), '--web', String(options.webPort), '--mail-directory', options.dataDir, '--silent'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = `http://127.0.0.1:${options.webPort}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the local mailbox (MailDev) exited: ${stderr.trim() || `code ${child.exitCode}`} (ports ${options.smtpPort}/${options.webPort} in use? set LOCAL_SMTP_PORT / LOCAL_MAILBOX_PORT)`);
    try {
      const res = await fetch(`${url}/email`);
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (i > 150) {
      child.kill('SIGKILL');
      throw new Error('the local mailbox (MailDev) did not start within 30 s');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    smtpPort: options.smtpPort,
    url,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    },
  };
}
