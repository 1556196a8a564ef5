/**
 * A blockchain verifier double for the benchmarks: an HTTP server speaking
 * docs/blockchain-verifier.md (POST /v1/verify, X-Verifier-Secret, the request validated as
 * the real verifier does, answers of the documented shape) that answers after a fixed
 * latency. Every transaction it is asked about is CONFIRMED with `minConfirmations`, sent to
 * the requested address, for `amountFor(txHash)` (default "1"). Like
 * Backend/test/harness/verifier.ts, without the fault injection the tests need.
 */
'use strict';
const crypto = require('node:crypto');
const http = require('node:http');
const { ASSET_CODES, canonicalAddress, isCanonicalTxHash } = require('../Backend/dist/assets/asset-registry');

function requestProblem(body) {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body must be a JSON object';
  const { asset, txHash, address, minConfirmations } = body;
  if (typeof asset !== 'string' || !ASSET_CODES.includes(asset)) return `asset must be one of ${ASSET_CODES.join(', ')}`;
  if (typeof txHash !== 'string' || !isCanonicalTxHash(asset, txHash)) return `txHash is not a canonical ${asset} transaction hash`;
  if (typeof address !== 'string' || canonicalAddress(asset, address) !== address) return `address is not a canonical ${asset} address`;
  if (!Number.isInteger(minConfirmations) || minConfirmations < 1) return 'minConfirmations must be an integer of at least 1';
  return null;
}

async function startVerifierDouble({ latencyMs = 20, amountFor = () => '1' } = {}) {
  const secret = crypto.randomBytes(24).toString('hex');
  const stats = { requests: 0, answered: 0 };
  const send = (res, status, payload) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payload));
  };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      stats.requests++;
      if (req.method !== 'POST' || req.url !== '/v1/verify') return send(res, 404, { error: 'not found' });
      if (req.headers['x-verifier-secret'] !== secret) return send(res, 401, { error: 'missing or wrong X-Verifier-Secret' });
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return send(res, 400, { error: 'body must be JSON' });
      }
      const problem = requestProblem(body);
      if (problem) return send(res, 400, { error: problem });
      setTimeout(() => {
        stats.answered++;
        send(res, 200, { status: 'CONFIRMED', confirmations: body.minConfirmations, amount: amountFor(body.txHash), toAddress: body.address });
      }, latencyMs);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    secret,
    stats,
    env: { BLOCKCHAIN_VERIFIER_URL: url, BLOCKCHAIN_VERIFIER_SECRET: secret },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

module.exports = { startVerifierDouble };
