import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { loadConfig } from '../src/config/config.schema';
import { BlockchainVerifierClient, type VerifyRequest } from '../src/deposits/verifier/blockchain-verifier.client';
import { createLogger } from '../src/logging/logger';
import { testEnv } from './harness/app';
import { startTestVerifier, type TestVerifier } from './harness/verifier';

const BTC_ADDRESS = 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh';
const OTHER_BTC_ADDRESS = 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq';
const ETH_ADDRESS = '0x52908400098527886e0f7030069857d2e4169ee7';
const RETRIES = 2;

const spans = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));

let verifier: TestVerifier;
const rawLogs: string[] = [];

beforeAll(async () => {
  verifier = await startTestVerifier();
});
afterAll(() => verifier.close());

/** A client configured against the test verifier; `env` overrides (e.g. another secret). */
function client(env: Record<string, string | undefined> = {}) {
  const config = loadConfig(
    testEnv({
      DATABASE_URL: 'postgresql://unused@127.0.0.1:1/unused',
      ...verifier.env,
      BLOCKCHAIN_VERIFIER_TIMEOUT_MS: '200',
      BLOCKCHAIN_VERIFIER_RETRIES: String(RETRIES),
      ...env,
    }),
  );
  const sink = new Writable({
    write(chunk, _enc, done) {
      rawLogs.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return new BlockchainVerifierClient(config, createLogger(config, sink));
}

const hex64 = () => crypto.randomBytes(32).toString('hex');

function btcRequest(overrides: Partial<VerifyRequest> = {}): VerifyRequest {
  return { asset: 'BTC', txHash: hex64(), address: BTC_ADDRESS, minConfirmations: 3, expectedAmount: '1', tolerancePercent: '1', ...overrides };
}

function ethRequest(overrides: Partial<VerifyRequest> = {}): VerifyRequest {
  return { asset: 'ETH', txHash: `0x${hex64()}`, address: ETH_ADDRESS, minConfirmations: 12, expectedAmount: '100', tolerancePercent: '1', ...overrides };
}

/** Registers a transfer to `request.address` on the test chain. */
function onChain(request: VerifyRequest, amount: string, confirmations: number) {
  verifier.setTx(request.asset, request.txHash, { amount, toAddress: request.address, confirmations });
}

describe('BlockchainVerifierClient: verdicts', () => {
  it('CONFIRMED with enough confirmations is confirmed with the chain amount; the documented request is sent with the secret', async () => {
    const request = btcRequest();
    onChain(request, '1.00000000', 3);
    const result = await client().verify(request);
    expect(result.outcome).toEqual({ kind: 'confirmed', confirmations: 3, receivedAmount: '1' });
    expect(result.attempts).toBe(1);
    expect(result.durationSeconds).toBeGreaterThanOrEqual(0);
    const [sent] = verifier.requestsFor(request.txHash);
    expect(verifier.requestsFor(request.txHash)).toHaveLength(1);
    expect(sent!.body).toEqual({ asset: 'BTC', txHash: request.txHash, address: BTC_ADDRESS, minConfirmations: 3 });
    expect(sent!.headers['x-verifier-secret']).toBe(verifier.secret);
    expect(sent!.headers['content-type']).toBe('application/json');
  });

  it('PENDING is pending with its confirmations, and confirmed once the chain has enough', async () => {
    const request = btcRequest();
    onChain(request, '1', 1);
    const c = client();
    expect((await c.verify(request)).outcome).toEqual({ kind: 'pending', confirmations: 1 });
    verifier.addConfirmations('BTC', request.txHash, 2);
    expect((await c.verify(request)).outcome).toEqual({ kind: 'confirmed', confirmations: 3, receivedAmount: '1' });
  });

  it('an answer changed over time is followed (PENDING 3, later CONFIRMED 12)', async () => {
    const request = ethRequest();
    verifier.setTx('ETH', request.txHash, { status: 'PENDING', confirmations: 3, amount: '100', toAddress: ETH_ADDRESS });
    const c = client();
    expect((await c.verify(request)).outcome).toEqual({ kind: 'pending', confirmations: 3 });
    verifier.setTx('ETH', request.txHash, { status: 'CONFIRMED', confirmations: 12, amount: '100', toAddress: ETH_ADDRESS });
    expect((await c.verify(request)).outcome).toEqual({ kind: 'confirmed', confirmations: 12, receivedAmount: '100' });
  });

  it('NOT_FOUND is not_found', async () => {
    const result = await client().verify(btcRequest());
    expect(result.outcome).toEqual({ kind: 'not_found' });
    expect(result.attempts).toBe(1);
  });

  it("MISMATCH is mismatch with the verifier's reason, or a default one", async () => {
    const withReason = btcRequest();
    verifier.setTx('BTC', withReason.txHash, { status: 'MISMATCH', confirmations: 5, reason: 'transaction is a BCH transaction' });
    expect((await client().verify(withReason)).outcome).toEqual({ kind: 'mismatch', reason: 'transaction is a BCH transaction' });

    const withoutReason = btcRequest();
    verifier.setTx('BTC', withoutReason.txHash, { status: 'MISMATCH', confirmations: 0 });
    expect((await client().verify(withoutReason)).outcome).toEqual({ kind: 'mismatch', reason: 'the verifier reported a mismatch' });
  });

  it('CONFIRMED below minConfirmations is pending (our threshold, not the verifier’s)', async () => {
    const request = btcRequest({ minConfirmations: 6 });
    verifier.setTx('BTC', request.txHash, { status: 'CONFIRMED', confirmations: 2, amount: '1', toAddress: BTC_ADDRESS });
    expect((await client().verify(request)).outcome).toEqual({ kind: 'pending', confirmations: 2 });
  });
});

describe('BlockchainVerifierClient: its own address and amount checks', () => {
  it('funds sent to another address are a mismatch, even when the verifier says CONFIRMED or PENDING', async () => {
    const confirmed = btcRequest();
    verifier.setTx('BTC', confirmed.txHash, { status: 'CONFIRMED', confirmations: 10, amount: '1', toAddress: OTHER_BTC_ADDRESS });
    expect((await client().verify(confirmed)).outcome).toEqual({ kind: 'mismatch', reason: 'funds went to another address' });

    const pending = btcRequest();
    verifier.setTx('BTC', pending.txHash, { status: 'PENDING', confirmations: 1, amount: '1', toAddress: OTHER_BTC_ADDRESS });
    expect((await client().verify(pending)).outcome).toEqual({ kind: 'mismatch', reason: 'funds went to another address' });
  });

  it('an EVM address spelled in another case is the same address', async () => {
    const request = ethRequest();
    const checksumCase = `0x${ETH_ADDRESS.slice(2).toUpperCase()}`;
    verifier.setTx('ETH', request.txHash, { amount: '100', toAddress: checksumCase, confirmations: 12 });
    expect((await client().verify(request)).outcome).toEqual({ kind: 'confirmed', confirmations: 12, receivedAmount: '100' });
  });

  it('a toAddress that is not an address of the chain is an invalid answer', async () => {
    const request = btcRequest();
    verifier.setTx('BTC', request.txHash, { status: 'CONFIRMED', confirmations: 3, amount: '1', toAddress: 'nowhere' });
    expect((await client().verify(request)).outcome).toMatchObject({ kind: 'error', error: 'invalid_response' });
  });

  it.each([
    ['below', '0.98999999'],
    ['above', '1.01000001'],
  ])('an amount %s the tolerance is a mismatch naming both amounts', async (_side, amount) => {
    const request = btcRequest();
    onChain(request, amount, 3);
    const { outcome } = await client().verify(request);
    expect(outcome).toMatchObject({ kind: 'mismatch' });
    expect(outcome.kind === 'mismatch' && outcome.reason).toContain(`received ${amount} BTC`);
    expect(outcome.kind === 'mismatch' && outcome.reason).toContain('expected 1 BTC');
  });

  it.each(['0.99', '0.995', '1.01'])('an amount within the tolerance (%s for 1) is confirmed with the chain amount', async (amount) => {
    const request = btcRequest();
    onChain(request, amount, 3);
    expect((await client().verify(request)).outcome).toEqual({ kind: 'confirmed', confirmations: 3, receivedAmount: amount });
  });

  it('the tolerance is exact decimal arithmetic (one wei over the bound is a mismatch)', async () => {
    const atBound = ethRequest();
    onChain(atBound, '101.000000000000000000', 12);
    expect((await client().verify(atBound)).outcome).toEqual({ kind: 'confirmed', confirmations: 12, receivedAmount: '101' });

    const oneWeiOver = ethRequest();
    onChain(oneWeiOver, '101.000000000000000001', 12);
    expect((await client().verify(oneWeiOver)).outcome).toMatchObject({ kind: 'mismatch' });
  });

  it.each(['1.000000001', '1e0', '-1', ' 1', '0x1', ''])('amount %j (too many decimals for BTC or not a decimal) is an invalid answer, not retried', async (amount) => {
    const request = btcRequest();
    onChain(request, amount, 3);
    const result = await client().verify(request);
    expect(result.outcome).toMatchObject({ kind: 'error', error: 'invalid_response' });
    expect(verifier.requestsFor(request.txHash)).toHaveLength(1);
  });
});

describe('BlockchainVerifierClient: failures, retries and timeouts', () => {
  it('a 500 followed by an answer is confirmed after 2 attempts', async () => {
    const request = btcRequest();
    onChain(request, '1', 3);
    verifier.setBehaviour(request.txHash, { kind: 'status', status: 500, times: 1 });
    const result = await client().verify(request);
    expect(result.outcome).toEqual({ kind: 'confirmed', confirmations: 3, receivedAmount: '1' });
    expect(result.attempts).toBe(2);
    expect(verifier.requestsFor(request.txHash)).toHaveLength(2);
  });

  it.each([500, 502, 503])('%i forever is http_5xx after exactly 1 + RETRIES requests', async (status) => {
    const request = btcRequest();
    onChain(request, '1', 3);
    verifier.setBehaviour(request.txHash, { kind: 'status', status });
    const result = await client().verify(request);
    expect(result.outcome).toMatchObject({ kind: 'error', error: 'http_5xx' });
    expect(result.attempts).toBe(1 + RETRIES);
    expect(verifier.requestsFor(request.txHash)).toHaveLength(1 + RETRIES);
  });

  it('a request the verifier refuses (400) is http_4xx without retry', async () => {
    const request = btcRequest({ txHash: 'not-a-hash' });
    const result = await client().verify(request);
    expect(result.outcome).toMatchObject({ kind: 'error', error: 'http_4xx', message: 'verifier answered HTTP 400' });
    expect(result.attempts).toBe(1);
    expect(verifier.requestsFor('not-a-hash')).toHaveLength(1);
  });

  it('a wrong secret is unauthorized (401) without retry', async () => {
    const request = btcRequest();
    const result = await client({ BLOCKCHAIN_VERIFIER_SECRET: 'a-different-secret-value-123456' }).verify(request);
    expect(result.outcome).toMatchObject({ kind: 'error', error: 'unauthorized' });
    expect(verifier.requestsFor(request.txHash)).toHaveLength(1);
  });

  it('a missing secret sends no header and is unauthorized without retry', async () => {
    const request = btcRequest();
    const result = await client({ BLOCKCHAIN_VERIFIER_SECRET: undefined }).verify(request);
    expect(result.outcome).toMatchObject({ kind: 'error', error: 'unauthorized' });
    const sent = verifier.requestsFor(request.txHash);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.headers).not.toHaveProperty('x-verifier-secret');
  });

  it.each([
    [403, 'unauthorized'],
    [404, 'http_4xx'],
    [429, 'http_4xx'],
  ])('HTTP %i is %s without retry', async (status, error) => {
    const request = btcRequest();
    verifier.setBehaviour(request.txHash, { kind: 'status', status });
    expect((await client().verify(request)).outcome).toMatchObject({ kind: 'error', error });
    expect(verifier.requestsFor(request.txHash)).toHaveLength(1);
  });

  it('a redirect is not followed (the secret would travel with it)', async () => {
    const request = btcRequest();
    verifier.setBehaviour(request.txHash, { kind: 'status', status: 302 });
    expect((await client().verify(request)).outcome).toMatchObject({ kind: 'error', error: 'invalid_response' });
    expect(verifier.requestsFor(request.txHash)).toHaveLength(1);
  });

  it('no answer within the timeout is a timeout, retried', async () => {
    const request = btcRequest();
    onChain(request, '1', 3);
    verifier.setBehaviour(request.txHash, { kind: 'delay', ms: 5_000 });
    const result = await client().verify(request);
    expect(result.outcome).toMatchObject({ kind: 'error', error: 'timeout' });
    expect(verifier.requestsFor(request.txHash)).toHaveLength(1 + RETRIES);
  });

  it('a slow first answer then a fast one is confirmed', async () => {
    const request = btcRequest();
    onChain(request, '1', 3);
    verifier.setBehaviour(request.txHash, { kind: 'delay', ms: 5_000, times: 1 });
    const result = await client().verify(request);
    expect(result.outcome).toEqual({ kind: 'confirmed', confirmations: 3, receivedAmount: '1' });
    expect(result.attempts).toBe(2);
  });

  it.each([
    ['not JSON', undefined],
    ['an unknown status', '{"status":"MAYBE","confirmations":1,"amount":"1","toAddress":null}'],
    ['a CONFIRMED without amount', `{"status":"CONFIRMED","confirmations":3,"amount":null,"toAddress":"${BTC_ADDRESS}"}`],
    ['a float amount', `{"status":"CONFIRMED","confirmations":3,"amount":1,"toAddress":"${BTC_ADDRESS}"}`],
    ['negative confirmations', '{"status":"PENDING","confirmations":-1,"amount":"1","toAddress":null}'],
    ['a JSON array', '[]'],
  ])('a 200 with %s is invalid_response without retry', async (_what, body) => {
    const request = btcRequest();
    verifier.setBehaviour(request.txHash, { kind: 'malformed', body });
    const result = await client().verify(request);
    expect(result.outcome).toMatchObject({ kind: 'error', error: 'invalid_response' });
    expect(result.attempts).toBe(1);
    expect(verifier.requestsFor(request.txHash)).toHaveLength(1);
  });

  it('a connection reset is a network error, retried', async () => {
    const request = btcRequest();
    verifier.setBehaviour(request.txHash, { kind: 'reset' });
    const result = await client().verify(request);
    expect(result.outcome).toMatchObject({ kind: 'error', error: 'network' });
    expect(verifier.requestsFor(request.txHash)).toHaveLength(1 + RETRIES);
  });

  it('an unreachable verifier is a network error', async () => {
    const closed = await startTestVerifier();
    await closed.close();
    const result = await client(closed.env).verify(btcRequest());
    expect(result.outcome).toMatchObject({ kind: 'error', error: 'network' });
    expect(result.attempts).toBe(1 + RETRIES);
  });

  it('without BLOCKCHAIN_VERIFIER_URL nothing is sent', async () => {
    const before = verifier.requests.length;
    const result = await client({ BLOCKCHAIN_VERIFIER_URL: undefined }).verify(btcRequest());
    expect(result).toMatchObject({ outcome: { kind: 'error', error: 'not_configured' }, attempts: 0 });
    expect(verifier.requests).toHaveLength(before);
  });
});

describe('BlockchainVerifierClient: logs and traces', () => {
  it('logs one warn line per failed attempt with asset and error kind, and never the secret or the hash', async () => {
    rawLogs.length = 0;
    const request = btcRequest();
    verifier.setBehaviour(request.txHash, { kind: 'status', status: 503 });
    const wrongSecret = 'another-secret-value-for-this-test-42';
    await client().verify(request);
    const unauthorized = await client({ BLOCKCHAIN_VERIFIER_SECRET: wrongSecret }).verify(btcRequest());

    const lines = rawLogs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l.error === 'http_5xx')).toHaveLength(1 + RETRIES);
    expect(lines.filter((l) => l.error === 'unauthorized')).toHaveLength(1);
    for (const line of lines) expect(line).toMatchObject({ level: 'warn', asset: 'BTC' });
    const everything = rawLogs.join('\n') + JSON.stringify(unauthorized);
    expect(everything).not.toContain(verifier.secret);
    expect(everything).not.toContain(wrongSecret);
    expect(everything).not.toContain(request.txHash);
  });

  it('each call is one span with asset, outcome and attempts, and no secret', async () => {
    spans.reset();
    const request = btcRequest();
    onChain(request, '1', 3);
    verifier.setBehaviour(request.txHash, { kind: 'status', status: 500, times: 1 });
    await client().verify(request);
    await client().verify(btcRequest());

    const finished = spans.getFinishedSpans();
    expect(finished.map((s) => s.name)).toEqual(['blockchain-verifier.verify', 'blockchain-verifier.verify']);
    expect(finished[0]!.attributes).toEqual({ 'verifier.asset': 'BTC', 'verifier.outcome': 'confirmed', 'verifier.attempts': 2 });
    expect(finished[1]!.attributes).toEqual({ 'verifier.asset': 'BTC', 'verifier.outcome': 'not_found', 'verifier.attempts': 1 });
    expect(JSON.stringify(finished.map((s) => s.attributes))).not.toContain(verifier.secret);
  });
});
