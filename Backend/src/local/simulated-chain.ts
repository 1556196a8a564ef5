import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AssetCode } from '@prisma/client';
import { ASSET_CODES, ASSETS, canonicalAddress, isCanonicalTxHash } from '../assets/asset-registry';
import { AMOUNT_PATTERN } from '../assets/amounts';

/**
 * A development stand-in for the blockchain verifier (docs/blockchain-verifier.md), for
 * `npm start` only: it speaks the same contract as the real one over a simulated chain.
 *
 * - `POST /dev/send {asset, amount, toAddress, mismatch?}` "sends" a transaction, as a
 *   wallet would, and answers `{txHash}`. It gains one confirmation every
 *   `secondsPerConfirmation` and is CONFIRMED once it has the `minConfirmations` asked for.
 *   With `mismatch: "<reason>"` the verifier answers MISMATCH with that reason instead.
 * - Any hash not sent through `/dev/send` is NOT_FOUND.
 * - `GET /dev/transactions` lists what was sent.
 */
export interface SimulatedChain {
  url: string;
  secret: string;
  close(): Promise<void>;
}

interface SentTransaction {
  asset: AssetCode;
  txHash: string;
  amount: string;
  toAddress: string;
  sentAt: number;
  mismatch?: string;
}

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const MAX_BODY_BYTES = 16 * 1024;

function newTxHash(asset: AssetCode): string {
  const format = ASSETS[asset].txHashFormat;
  if (format === 'base58sig') return Array.from(crypto.randomBytes(88), (b) => BASE58[b % BASE58.length]).join('');
  const hex = crypto.randomBytes(32).toString('hex');
  return format === '0xhex64' ? `0x${hex}` : hex;
}

function isAsset(value: unknown): value is AssetCode {
  return typeof value === 'string' && (ASSET_CODES as string[]).includes(value);
}

export async function startSimulatedChain(options: { port?: number; host?: string; secondsPerConfirmation?: number; secret?: string; env?: NodeJS.ProcessEnv } = {}): Promise<SimulatedChain> {
  if ((options.env ?? process.env).NODE_ENV === 'production') {
    throw new Error('the simulated chain is for development only: it refuses to start with NODE_ENV=production (set BLOCKCHAIN_VERIFIER_URL to the real verifier)');
  }
  const secondsPerConfirmation = options.secondsPerConfirmation ?? 2;
  const secret = options.secret ?? crypto.randomBytes(24).toString('base64url');
  const sent = new Map<string, SentTransaction>();

  const confirmationsOf = (tx: SentTransaction) => Math.floor((Date.now() - tx.sentAt) / (secondsPerConfirmation * 1000));

  function verify(body: Record<string, unknown>): [number, unknown] {
    const { asset, txHash, address, minConfirmations } = body;
    if (!isAsset(asset)) return [400, { error: `asset must be one of ${ASSET_CODES.join(', ')}` }];
    if (typeof txHash !== 'string' || !isCanonicalTxHash(asset, txHash)) return [400, { error: `txHash is not a canonical ${asset} transaction hash` }];
    if (typeof address !== 'string' || canonicalAddress(asset, address) !== address) return [400, { error: `address is not a canonical ${asset} address` }];
    if (!Number.isInteger(minConfirmations) || (minConfirmations as number) < 1) return [400, { error: 'minConfirmations must be an integer ≥ 1' }];
    const tx = sent.get(`${asset}:${txHash}`);
    if (!tx) return [200, { status: 'NOT_FOUND', confirmations: 0, amount: null, toAddress: null }];
    const confirmations = confirmationsOf(tx);
    if (tx.mismatch) return [200, { status: 'MISMATCH', confirmations, amount: null, toAddress: null, reason: tx.mismatch }];
    return [200, { status: confirmations >= (minConfirmations as number) ? 'CONFIRMED' : 'PENDING', confirmations, amount: tx.amount, toAddress: tx.toAddress }];
  }

  function send(body: Record<string, unknown>): [number, unknown] {
    const { asset, amount, toAddress, mismatch } = body;
    if (!isAsset(asset)) return [400, { error: `asset must be one of ${ASSET_CODES.join(', ')}` }];
    if (typeof amount !== 'string' || !AMOUNT_PATTERN.test(amount)) return [400, { error: 'amount must be a decimal string like "0.5"' }];
    const to = typeof toAddress === 'string' ? canonicalAddress(asset, toAddress) : null;
    if (!to) return [400, { error: `toAddress must be a ${asset} address` }];
    if (mismatch !== undefined && (typeof mismatch !== 'string' || mismatch.length === 0 || mismatch.length > 200)) return [400, { error: 'mismatch must be a reason (1-200 characters)' }];
    const tx: SentTransaction = { asset, txHash: newTxHash(asset), amount, toAddress: to, sentAt: Date.now(), ...(mismatch ? { mismatch } : {}) };
    sent.set(`${asset}:${tx.txHash}`, tx);
    return [201, { txHash: tx.txHash }];
  }

  const server = http.createServer((req, res) => {
    const reply = ([status, body]: [number, unknown]) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/dev/transactions') {
      return reply([200, [...sent.values()].map((tx) => ({ ...tx, sentAt: new Date(tx.sentAt).toISOString(), confirmations: confirmationsOf(tx) }))]);
    }
    const route = req.method === 'POST' && req.url === '/v1/verify' ? verify : req.method === 'POST' && req.url === '/dev/send' ? send : undefined;
    if (!route) return reply([404, { error: 'POST /v1/verify, POST /dev/send or GET /dev/transactions' }]);
    if (route === verify && req.headers['x-verifier-secret'] !== secret) return reply([401, { error: 'missing or wrong X-Verifier-Secret' }]);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reply([400, { error: 'the body is not JSON' }]);
      }
      if (size > MAX_BODY_BYTES || typeof body !== 'object' || body === null || Array.isArray(body)) return reply([400, { error: 'the body must be a JSON object' }]);
      return reply(route(body as Record<string, unknown>));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    secret,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
