/**
 * `npm run demo`: the main job end to end against the running local platform (`npm start`),
 * printing each step: register → the code from the local mailbox → verify → open a deposit →
 * pay it on the simulated chain → the monitor credits it → invest in a plan → balance,
 * ledger and notifications. Exits non-zero when a step fails.
 *
 *   npm run demo [-- --url http://localhost:3000] [--mailbox URL] [--chain URL]
 *
 * The mailbox and chain addresses default to what `npm start` wrote to Backend/.local/platform.json.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { PLATFORM_FILE } from './local-dir';

const DEPOSIT = { asset: 'BTC', amount: '0.01' } as const;
const INVESTMENT = '0.005';
const CREDIT_TIMEOUT_MS = 180_000;

class StepFailed extends Error {}

function arg(name: string): string | undefined {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  if (i !== -1) return args[i + 1];
  return args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

function platform(): { api?: string; mailbox?: string; chain?: string } {
  try {
    return JSON.parse(fs.readFileSync(PLATFORM_FILE, 'utf8'));
  } catch {
    return {};
  }
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
/** Same port, and the same host or both loopback (localhost and 127.0.0.1 are one machine). */
function samePlatform(a: string, b: string): boolean {
  const [x, y] = [new URL(a), new URL(b)];
  return x.port === y.port && (x.hostname === y.hostname || (LOOPBACK.has(x.hostname) && LOOPBACK.has(y.hostname)));
}

let stepNumber = 0;
function step(title: string) {
  process.stdout.write(`\n${++stepNumber}. ${title}\n`);
}
function show(line: string) {
  process.stdout.write(`   ${line}\n`);
}

async function call(method: string, url: string, options: { body?: unknown; token?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  } catch (error) {
    throw new StepFailed(`${method} ${url}: ${(error as Error).message} (is \`npm start\` running?)`);
  }
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: res.status, body };
}

async function expectStatus(expected: number, method: string, url: string, options: Parameters<typeof call>[2] = {}) {
  const res = await call(method, url, options);
  if (res.status !== expected) throw new StepFailed(`${method} ${url} answered ${res.status}, expected ${expected}: ${JSON.stringify(res.body)}`);
  return res.body;
}

async function poll<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new StepFailed(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

async function demo() {
  const saved = platform();
  const api = (arg('--url') ?? (process.env.PORT ? `http://localhost:${process.env.PORT}` : saved.api) ?? 'http://localhost:3000').replace(/\/$/, '');
  // The mailbox and chain `npm start` recorded belong to its API only, not to another platform named by --url or PORT.
  const local = saved.api !== undefined && samePlatform(saved.api, api);
  const mailbox = arg('--mailbox') ?? (local ? saved.mailbox : undefined);
  const chain = arg('--chain') ?? (local ? saved.chain : undefined);
  if (!mailbox || !chain) throw new StepFailed('the local mailbox and simulated chain addresses are unknown: start the platform with `npm start` (or pass --mailbox and --chain)');

  step(`The API at ${api} is ready`);
  await expectStatus(200, 'GET', `${api}/readyz`);
  show('GET /readyz → 200');

  const email = `demo-${crypto.randomBytes(4).toString('hex')}@example.com`;
  const password = `Demo-${crypto.randomBytes(9).toString('base64url')}-9`;
  step(`Register ${email}`);
  await expectStatus(202, 'POST', `${api}/auth/register`, { body: { email, password, name: 'Demo Saver' } });
  show('POST /auth/register → 202 (a verification code is emailed)');

  step(`Read the verification code from the local mailbox (${mailbox})`);
  const code = await poll('the verification email', 60_000, async () => {
    const mails = (await call('GET', `${mailbox}/email`)).body as { to: { address: string }[]; text?: string; subject: string }[];
    const mail = Array.isArray(mails) ? mails.filter((m) => m.to?.some((t) => t.address === email)).pop() : undefined;
    return mail ? /verification code is: (\d{6})\b/.exec(mail.text ?? '')?.[1] : undefined;
  });
  show(`found "${code}"`);

  step('Verify the email address');
  const session = await expectStatus(200, 'POST', `${api}/auth/verify-email`, { body: { email, code } });
  const token = session.accessToken as string;
  show(`POST /auth/verify-email → 200, signed in as ${session.user.email}`);

  step(`Open a deposit of ${DEPOSIT.amount} ${DEPOSIT.asset}`);
  const deposit = await expectStatus(201, 'POST', `${api}/deposits`, { token, body: DEPOSIT });
  show(`deposit ${deposit.id}: send ${deposit.expectedAmount} ${deposit.asset} to ${deposit.address}`);

  step(`Pay it on the simulated chain (${chain}) and submit the transaction hash`);
  const sent = await expectStatus(201, 'POST', `${chain}/dev/send`, { body: { asset: DEPOSIT.asset, amount: DEPOSIT.amount, toAddress: deposit.address } });
  show(`transaction ${sent.txHash}`);
  await expectStatus(200, 'POST', `${api}/deposits/${deposit.id}/tx`, { token, body: { txHash: sent.txHash } });
  show(`POST /deposits/${deposit.id}/tx → 200`);

  step('Watch the chain confirm it and the deposit monitor credit it');
  let last = '';
  const credited = await poll('the deposit to be credited', CREDIT_TIMEOUT_MS, async () => {
    const d = await expectStatus(200, 'GET', `${api}/deposits/${deposit.id}`, { token });
    const now = `${d.status}, ${d.confirmations}/${d.requiredConfirmations} confirmations`;
    if (now !== last) show((last = now));
    if (d.status === 'REJECTED' || d.status === 'EXPIRED') throw new StepFailed(`the deposit was ${d.status}: ${d.rejectionReason ?? ''}`);
    return d.status === 'CREDITED' ? d : undefined;
  });
  show(`credited ${credited.receivedAmount} ${credited.asset}`);

  step('Invest in a plan');
  const plans = (await expectStatus(200, 'GET', `${api}/plans`)).items as { id: string; name: string; asset: string; minAmount: string }[];
  const plan = plans.find((p) => p.asset === DEPOSIT.asset);
  if (!plan) throw new StepFailed(`no active ${DEPOSIT.asset} plan (npm start seeds them; \`npm run seed\` does it for another database)`);
  const investment = await expectStatus(201, 'POST', `${api}/investments`, { token, body: { planId: plan.id, amount: INVESTMENT } });
  show(`${plan.name}: ${investment.principal} ${investment.asset}, earns ${investment.dailyEarning} a day, ${investment.totalEarnings} in all, matures ${investment.maturesAt.slice(0, 10)}`);

  step('Balance, ledger and notifications');
  const balances = (await expectStatus(200, 'GET', `${api}/accounts`, { token })).items as { asset: string; balance: string }[];
  const balance = balances.find((b) => b.asset === DEPOSIT.asset)!.balance;
  show(`${DEPOSIT.asset} balance: ${balance}`);
  const expected = (Number(DEPOSIT.amount) - Number(INVESTMENT)).toFixed(8);
  if (balance !== expected) throw new StepFailed(`expected a balance of ${expected}`);
  const ledger = (await expectStatus(200, 'GET', `${api}/accounts/${DEPOSIT.asset}/ledger`, { token })).items as { type: string; amount: string }[];
  for (const entry of ledger) show(`ledger: ${entry.type.padEnd(16)} ${entry.amount}`);
  const notifications = (await expectStatus(200, 'GET', `${api}/notifications`, { token })).items as { title: string; body: string }[];
  for (const n of notifications) show(`notification: ${n.title} — ${n.body}`);
  if (!notifications.some((n) => n.title === 'Deposit credited')) throw new StepFailed('no "Deposit credited" notification');

  process.stdout.write('\nDemo passed: register → verify → deposit → credit → invest all worked.\n');
}

demo().catch((error) => {
  process.stderr.write(`\nDemo FAILED at step ${stepNumber}: ${(error as Error).message}\n`);
  process.exit(1);
});
