import crypto from 'node:crypto';

/** A 6-digit code from the CSPRNG (uniform: randomInt rejects biased samples). */
export function generateSixDigitCode(): string {
  return crypto.randomInt(0, 1_000_000).toString().padStart(6, '0');
}

/** 256 random bits, URL-safe: refresh tokens and password reset tokens. */
export function generateOpaqueToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** High-entropy tokens are stored as their SHA-256; the database never holds a usable token. */
export function sha256(value: string): string {
  return crypto.createHash('sha256').update(value).digest('hex');
}

/**
 * 6-digit codes have only 10^6 values, so a plain hash would be reversed instantly from a
 * database dump: they are MACed with a key derived from JWT_SECRET (kept outside the
 * database) and bound to the user and purpose.
 */
export function codeHasher(jwtSecret: string) {
  const key = crypto.createHmac('sha256', jwtSecret).update('kryptovault/one-time-code/v1').digest();
  return (purpose: string, userId: string, code: string) => crypto.createHmac('sha256', key).update(`${purpose}:${userId}:${code}`).digest('hex');
}

export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && crypto.timingSafeEqual(left, right);
}
