import { Inject, Injectable } from '@nestjs/common';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { AssetCode } from '@prisma/client';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ASSETS, canonicalAddress } from '../../assets/asset-registry';
import { ExactDecimal } from '../../assets/amounts';
import { APP_CONFIG, APP_LOGGER } from '../../config/config.module';
import type { AppConfig } from '../../config/config.schema';

/**
 * Client of the external blockchain verifier (contract: docs/blockchain-verifier.md).
 * The verifier only reports what the chain shows; whether that is the deposit we expect
 * (our address, the right amount, enough confirmations) is decided here.
 */

export interface VerifyRequest {
  asset: AssetCode;
  txHash: string;
  address: string;
  minConfirmations: number;
  expectedAmount: string;
  tolerancePercent: string;
}

export type VerifierErrorKind = 'not_configured' | 'timeout' | 'network' | 'http_5xx' | 'http_4xx' | 'unauthorized' | 'invalid_response';

export type VerificationOutcome =
  | { kind: 'confirmed'; confirmations: number; receivedAmount: string }
  | { kind: 'pending'; confirmations: number }
  | { kind: 'not_found' }
  | { kind: 'mismatch'; reason: string }
  | { kind: 'error'; error: VerifierErrorKind; message: string };

export interface VerificationResult {
  outcome: VerificationOutcome;
  durationSeconds: number;
  /** HTTP requests made (0 when not configured). */
  attempts: number;
}

const confirmations = z.number().int().min(0);

/** A transfer the chain shows (CONFIRMED / PENDING): amount and recipient are required. */
const transferAnswer = { confirmations, amount: z.string(), toAddress: z.string() };
const noTransferAnswer = { confirmations, amount: z.string().nullable(), toAddress: z.string().nullable() };

const VERIFIER_ANSWER = z.discriminatedUnion('status', [
  z.object({ status: z.literal('CONFIRMED'), ...transferAnswer }),
  z.object({ status: z.literal('PENDING'), ...transferAnswer }),
  z.object({ status: z.literal('NOT_FOUND'), ...noTransferAnswer }),
  z.object({ status: z.literal('MISMATCH'), ...noTransferAnswer, reason: z.string().optional() }),
]);
type VerifierAnswer = z.infer<typeof VERIFIER_ANSWER>;


const DECIMAL_STRING = /^\d{1,30}(\.\d+)?$/;
const BACKOFF_BASE_MS = 200;
const BACKOFF_CAP_MS = 5_000;
/** Verifier reasons end up in rejection reasons shown to users; keep them bounded. */
const MAX_REASON_LENGTH = 500;

type Attempt = { ok: true; answer: VerifierAnswer } | { ok: false; error: VerifierErrorKind; message: string; retryable: boolean };

@Injectable()
export class BlockchainVerifierClient {
  private readonly tracer = trace.getTracer('kryptovault');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  verify(request: VerifyRequest): Promise<VerificationResult> {
    return this.tracer.startActiveSpan('blockchain-verifier.verify', async (span) => {
      const started = process.hrtime.bigint();
      try {
        const { outcome, attempts } = await this.verifyWithRetries(request);
        span.setAttributes({ 'verifier.asset': request.asset, 'verifier.outcome': outcome.kind, 'verifier.attempts': attempts });
        if (outcome.kind === 'error') {
          span.setAttribute('verifier.error', outcome.error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error });
        }
        return { outcome, attempts, durationSeconds: Number(process.hrtime.bigint() - started) / 1e9 };
      } finally {
        span.end();
      }
    });
  }

  private async verifyWithRetries(request: VerifyRequest): Promise<{ outcome: VerificationOutcome; attempts: number }> {
    const baseUrl = this.config.BLOCKCHAIN_VERIFIER_URL;
    if (!baseUrl) {
      return { outcome: { kind: 'error', error: 'not_configured', message: 'BLOCKCHAIN_VERIFIER_URL is not set' }, attempts: 0 };
    }
    // Relative resolution keeps a base path (https://host/verifier) instead of replacing it.
    const url = new URL('v1/verify', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    const maxAttempts = 1 + this.config.BLOCKCHAIN_VERIFIER_RETRIES;
    for (let attempt = 1; ; attempt++) {
      const result = await this.attempt(url, request);
      if (result.ok) {
        const outcome = this.judge(request, result.answer);
        if (outcome.kind === 'error') this.logger.warn({ asset: request.asset, error: outcome.error, attempt, willRetry: false }, 'blockchain verifier attempt failed');
        return { outcome, attempts: attempt };
      }
      const willRetry = result.retryable && attempt < maxAttempts;
      this.logger.warn({ asset: request.asset, error: result.error, attempt, willRetry }, 'blockchain verifier attempt failed');
      if (!willRetry) return { outcome: { kind: 'error', error: result.error, message: result.message }, attempts: attempt };
      // Full jitter: many monitor workers hitting a recovering verifier do not retry in lockstep.
      const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
    }
  }

  /** One HTTP exchange; messages never include the secret, the URL or the hash. */
  private async attempt(url: URL, request: VerifyRequest): Promise<Attempt> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.config.BLOCKCHAIN_VERIFIER_SECRET) headers['x-verifier-secret'] = this.config.BLOCKCHAIN_VERIFIER_SECRET;
    const body = JSON.stringify({ asset: request.asset, txHash: request.txHash, address: request.address, minConfirmations: request.minConfirmations });
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers,
        body,
        // A redirect would carry the secret header to wherever it points.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.config.BLOCKCHAIN_VERIFIER_TIMEOUT_MS),
      });
      if (response.status !== 200) {
        // Frees the keep-alive connection; the body of a failure is not used.
        await response.body?.cancel().catch(() => undefined);
        return failureForStatus(response.status);
      }
      // Reading the body is under the same timeout signal.
      text = await response.text();
    } catch (error) {
      return networkFailure(error, this.config.BLOCKCHAIN_VERIFIER_TIMEOUT_MS);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { ok: false, error: 'invalid_response', message: 'verifier answered 200 with a body that is not JSON', retryable: false };
    }
    const parsed = VERIFIER_ANSWER.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
      return { ok: false, error: 'invalid_response', message: `verifier answer does not match the contract (${problems})`, retryable: false };
    }
    return { ok: true, answer: parsed.data };
  }

  /** Turns a well-formed answer into our verdict, re-checking what the verifier claims. */
  private judge(request: VerifyRequest, answer: VerifierAnswer): VerificationOutcome {
    switch (answer.status) {
      case 'NOT_FOUND':
        return { kind: 'not_found' };
      case 'MISMATCH':
        return { kind: 'mismatch', reason: (answer.reason || 'the verifier reported a mismatch').slice(0, MAX_REASON_LENGTH) };
      case 'CONFIRMED':
      case 'PENDING': {
        // Amount and recipient of a transaction never change with depth, so a PENDING
        // transfer that is wrong is rejected without waiting for confirmations.
        const { asset } = request;
        const decimals = ASSETS[asset].decimals;
        if (!DECIMAL_STRING.test(answer.amount) || (answer.amount.split('.')[1]?.length ?? 0) > decimals) {
          return invalid(`amount is not a decimal with at most ${decimals} decimals for ${asset}`);
        }
        const toAddress = canonicalAddress(asset, answer.toAddress);
        if (toAddress === null) return invalid(`toAddress is not a ${ASSETS[asset].network} address`);
        if (toAddress !== (canonicalAddress(asset, request.address) ?? request.address)) {
          return { kind: 'mismatch', reason: 'funds went to another address' };
        }
        const received = new ExactDecimal(answer.amount);
        const expected = new ExactDecimal(request.expectedAmount);
        // |received − expected| ≤ expected × tolerance / 100, multiplied out to avoid division.
        if (received.minus(expected).abs().times(100).greaterThan(expected.times(request.tolerancePercent))) {
          return {
            kind: 'mismatch',
            reason: `received ${received.toFixed()} ${asset}, expected ${expected.toFixed()} ${asset} (tolerance ${request.tolerancePercent}%)`,
          };
        }
        if (answer.status === 'PENDING' || answer.confirmations < request.minConfirmations) {
          return { kind: 'pending', confirmations: answer.confirmations };
        }
        return { kind: 'confirmed', confirmations: answer.confirmations, receivedAmount: received.toFixed() };
      }
    }
  }
}

function invalid(message: string): VerificationOutcome {
  return { kind: 'error', error: 'invalid_response', message: `verifier answer rejected: ${message}` };
}

function failureForStatus(status: number): Attempt {
  const message = `verifier answered HTTP ${status}`;
  if (status === 401 || status === 403) return { ok: false, error: 'unauthorized', message: `${message} (check BLOCKCHAIN_VERIFIER_SECRET)`, retryable: false };
  if (status >= 400 && status < 500) return { ok: false, error: 'http_4xx', message, retryable: false };
  if (status >= 500) return { ok: false, error: 'http_5xx', message, retryable: true };
  return { ok: false, error: 'invalid_response', message: `${message}; the contract answers 200`, retryable: false };
}

function networkFailure(error: unknown, timeoutMs: number): Attempt {
  const err = error as { name?: string; cause?: { code?: string } };
  if (err.name === 'TimeoutError') return { ok: false, error: 'timeout', message: `verifier did not answer within ${timeoutMs} ms`, retryable: true };
  const code = err.cause?.code ? ` (${err.cause.code})` : '';
  return { ok: false, error: 'network', message: `verifier unreachable${code}`, retryable: true };
}
