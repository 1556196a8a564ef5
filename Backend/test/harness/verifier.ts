import crypto from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AssetCode } from '@prisma/client';
import { ASSET_CODES, canonicalAddress, isCanonicalTxHash } from '../../src/assets/asset-registry';

/**
 * The test double of the third-party blockchain verifier: a real HTTP server speaking
 * docs/blockchain-verifier.md, so the client's timeouts, retries and parsing run for real.
 */

export type VerifierStatus = 'CONFIRMED' | 'PENDING' | 'NOT_FOUND' | 'MISMATCH';

/**
 * What the chain shows for a transaction. Without `status` the double answers like a
 * real verifier: CONFIRMED once `confirmations` reaches the request's minConfirmations,
 * PENDING before. With `status` the answer is sent as given (fields are not validated,
 * so tests can send answers a real verifier should not).
 */
export interface TxAnswer {
  status?: VerifierStatus;
  confirmations?: number;
  amount?: string | null;
  toAddress?: string | null;
  reason?: string;
}

/** A fault injected for one txHash; `times` limits it to the next N calls (default: until cleared). */
export type Behaviour = (
  | { kind: 'status'; status: number }
  /** Waits before handling the request normally (provokes client timeouts). */
  | { kind: 'delay'; ms: number }
  /** 200 with this body (default: not JSON). */
  | { kind: 'malformed'; body?: string }
  /** Destroys the connection without answering. */
  | { kind: 'reset' }
) & { times?: number };

export interface RecordedRequest {
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  body: unknown;
}

export interface TestVerifier {
  url: string;
  secret: string;
  env: { BLOCKCHAIN_VERIFIER_URL: string; BLOCKCHAIN_VERIFIER_SECRET: string };
  /** Every request received on any path, in arrival order. */
  requests: RecordedRequest[];
  setTx(asset: AssetCode, txHash: string, answer: TxAnswer): void;
  /** Adds confirmations to a known transaction (a new block). */
  addConfirmations(asset: AssetCode, txHash: string, count?: number): void;
  /** Sets or (with null) clears the fault for a txHash. */
  setBehaviour(txHash: string, behaviour: Behaviour | null): void;
  /** Requests received for a txHash (a live list, like `requests`). */
  requestsFor(txHash: string): RecordedRequest[];
  close(): Promise<void>;
}

export async function startTestVerifier(options: { secret?: string } = {}): Promise<TestVerifier> {
  const secret = options.secret ?? crypto.randomBytes(24).toString('hex');
  const txs = new Map<string, TxAnswer>();
  const behaviours = new Map<string, Behaviour>();
  const requests: RecordedRequest[] = [];
  const requestsByTx = new Map<string, RecordedRequest[]>();
  const key = (asset: string, txHash: string) => `${asset}:${txHash}`;

  const sendJson = (res: http.ServerResponse, status: number, payload: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payload));
  };

  /** Consumes one use of the txHash's behaviour, if any. */
  const takeBehaviour = (txHash: unknown): Behaviour | undefined => {
    if (typeof txHash !== 'string') return undefined;
    const behaviour = behaviours.get(txHash);
    if (behaviour?.times !== undefined) {
      if (behaviour.times <= 1) behaviours.delete(txHash);
      else behaviours.set(txHash, { ...behaviour, times: behaviour.times - 1 });
    }
    return behaviour;
  };

  const answer = (req: http.IncomingMessage, res: http.ServerResponse, body: unknown) => {
    if (req.headers['x-verifier-secret'] !== secret) return sendJson(res, 401, { error: 'missing or wrong X-Verifier-Secret' });
    const problem = requestProblem(body);
    if (problem) return sendJson(res, 400, { error: problem });
    const { asset, txHash, minConfirmations } = body as { asset: AssetCode; txHash: string; minConfirmations: number };
    const tx = txs.get(key(asset, txHash));
    if (!tx) return sendJson(res, 200, { status: 'NOT_FOUND', confirmations: 0, amount: null, toAddress: null });
    const confirmations = tx.confirmations ?? 0;
    sendJson(res, 200, {
      status: tx.status ?? (confirmations >= minConfirmations ? 'CONFIRMED' : 'PENDING'),
      confirmations,
      amount: tx.amount ?? null,
      toAddress: tx.toAddress ?? null,
      ...(tx.reason !== undefined && { reason: tx.reason }),
    });
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Recorded as text; answered 400 below.
      }
      const recorded = { headers: req.headers, body };
      requests.push(recorded);
      const txHash = (body as { txHash?: unknown } | null)?.txHash;
      if (typeof txHash === 'string') {
        if (!requestsByTx.has(txHash)) requestsByTx.set(txHash, []);
        requestsByTx.get(txHash)!.push(recorded);
      }
      if (req.method !== 'POST' || req.url !== '/v1/verify') return sendJson(res, 404, { error: 'not found' });
      // Faults come first: an outage happens in front of authentication and validation.
      const behaviour = takeBehaviour(txHash);
      switch (behaviour?.kind) {
        case 'status':
          return sendJson(res, behaviour.status, { error: 'injected failure' });
        case 'malformed':
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end(behaviour.body ?? '<html>Bad Gateway</html>');
        case 'reset':
          return req.socket.destroy();
        case 'delay':
          setTimeout(() => {
            if (!res.destroyed) answer(req, res, body);
          }, behaviour.ms).unref();
          return;
        default:
          return answer(req, res, body);
      }
    });
  });
  // Monitor tests run thousands of checks from several processes over keep-alive connections.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    secret,
    env: { BLOCKCHAIN_VERIFIER_URL: url, BLOCKCHAIN_VERIFIER_SECRET: secret },
    requests,
    setTx(asset, txHash, txAnswer) {
      txs.set(key(asset, txHash), { ...txAnswer });
    },
    addConfirmations(asset, txHash, count = 1) {
      const tx = txs.get(key(asset, txHash));
      if (!tx) throw new Error(`addConfirmations: unknown transaction ${asset} ${txHash}`);
      tx.confirmations = (tx.confirmations ?? 0) + count;
    },
    setBehaviour(txHash, behaviour) {
      if (behaviour) behaviours.set(txHash, { ...behaviour });
      else behaviours.delete(txHash);
    },
    requestsFor: (txHash) => requestsByTx.get(txHash) ?? [],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Validates a request body like the real verifier (documented formats); null when valid. */
function requestProblem(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body must be a JSON object';
  const { asset, txHash, address, minConfirmations } = body as Record<string, unknown>;
  if (typeof asset !== 'string' || !(ASSET_CODES as string[]).includes(asset)) return `asset must be one of ${ASSET_CODES.join(', ')}`;
  const code = asset as AssetCode;
  if (typeof txHash !== 'string' || !isCanonicalTxHash(code, txHash)) return `txHash is not a canonical ${code} transaction hash`;
  if (typeof address !== 'string' || canonicalAddress(code, address) !== address) return `address is not a canonical ${code} address`;
  if (typeof minConfirmations !== 'number' || !Number.isInteger(minConfirmations) || minConfirmations < 1) return 'minConfirmations must be an integer of at least 1';
  return null;
}
