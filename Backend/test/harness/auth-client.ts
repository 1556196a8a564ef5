import type { TestSmtp } from './smtp';
import { codeFrom } from './smtp';

export interface ParsedCookie {
  name: string;
  value: string;
  /** Lower-cased attribute names; flags map to true. */
  attributes: Record<string, string | true>;
  raw: string;
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
  cookies: ParsedCookie[];
}

export function parseSetCookie(raw: string): ParsedCookie {
  const [pair, ...attrs] = raw.split(';').map((s) => s.trim());
  const eq = pair!.indexOf('=');
  const attributes: Record<string, string | true> = {};
  for (const attr of attrs) {
    const i = attr.indexOf('=');
    if (i === -1) attributes[attr.toLowerCase()] = true;
    else attributes[attr.slice(0, i).toLowerCase()] = attr.slice(i + 1);
  }
  return { name: pair!.slice(0, eq), value: decodeURIComponent(pair!.slice(eq + 1)), attributes, raw };
}

/**
 * A small HTTP client for the real API that keeps every response text, so a test can
 * prove afterwards that no response ever carried a secret.
 */
export class ApiClient {
  readonly responses: { path: string; status: number; text: string; setCookie: string[] }[] = [];

  constructor(readonly baseUrl: string) {}

  async call<T = any>(
    method: string,
    path: string,
    options: { body?: unknown; token?: string; cookie?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.cookie) headers.cookie = options.cookie;
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await res.text();
    const setCookie = res.headers.getSetCookie();
    this.responses.push({ path, status: res.status, text, setCookie });
    let body: any = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    return { status: res.status, body, text, headers: res.headers, cookies: setCookie.map(parseSetCookie) };
  }

  post<T = any>(path: string, body?: unknown, options: { token?: string; cookie?: string; headers?: Record<string, string> } = {}) {
    return this.call<T>('POST', path, { ...options, body });
  }

  patch<T = any>(path: string, body?: unknown, options: { token?: string; cookie?: string; headers?: Record<string, string> } = {}) {
    return this.call<T>('PATCH', path, { ...options, body });
  }

  get<T = any>(path: string, options: { token?: string; cookie?: string; headers?: Record<string, string> } = {}) {
    return this.call<T>('GET', path, options);
  }

  /** Every response body (not Set-Cookie headers, where the refresh token belongs). */
  allBodies(): string {
    return this.responses.map((r) => r.text).join('\n');
  }
}

export const REFRESH_COOKIE = 'kv_refresh';
export const USER_AGENT = 'kv-tests/1.0';

export function refreshCookieOf(res: ApiResponse): ParsedCookie | undefined {
  return res.cookies.find((c) => c.name === REFRESH_COOKIE);
}

export function cookieHeader(cookie: ParsedCookie | undefined): string | undefined {
  return cookie ? `${cookie.name}=${encodeURIComponent(cookie.value)}` : undefined;
}

/** Registers through the API and verifies with the code read from the received email. */
export async function registerAndVerify(api: ApiClient, smtp: TestSmtp, user: { email: string; password: string; name: string }) {
  const registered = await api.post('/auth/register', user);
  if (registered.status !== 202) throw new Error(`register answered ${registered.status}: ${registered.text}`);
  const code = codeFrom(await smtp.nextMailTo(user.email));
  const verified = await api.post('/auth/verify-email', { email: user.email, code });
  if (verified.status !== 200) throw new Error(`verify-email answered ${verified.status}: ${verified.text}`);
  return { code, accessToken: verified.body.accessToken as string, cookie: refreshCookieOf(verified)!, userId: verified.body.user.id as string };
}

/** Asserts none of `secrets` appears in any of `haystacks` (reports which, never prints them all). */
export function expectNoSecrets(haystacks: string[], secrets: string[], where: string) {
  const text = haystacks.join('\n');
  // A 6-digit code is matched as a whole number only (timings and ids are full of digits).
  const found = (s: string) => (/^\d+$/.test(s) ? new RegExp(`(?<![0-9])${s}(?![0-9])`).test(text) : text.includes(s));
  const leaked = secrets.filter((s) => s && s.length >= 6 && found(s));
  if (leaked.length > 0) throw new Error(`${leaked.length} secret(s) leaked into ${where}: ${leaked.map((s) => `${s.slice(0, 4)}…`).join(', ')}`);
}

export interface AuthTestEnv {
  db: import('./postgres').TestDatabase;
  smtp: TestSmtp;
  app: import('./app').TestApp;
  api: ApiClient;
  close(): Promise<void>;
}

/** A fresh database, a real SMTP server and the API wired to both (rate limits relaxed unless overridden). */
export async function startAuthTestEnv(env: Record<string, string> = {}): Promise<AuthTestEnv> {
  const { createTestDatabase } = await import('./postgres');
  const { startTestSmtp } = await import('./smtp');
  const { startTestApp } = await import('./app');
  const db = await createTestDatabase();
  const smtp = await startTestSmtp();
  const app = await startTestApp({ DATABASE_URL: db.url, ...smtp.env, RATE_LIMIT_PER_IP: '100000', RATE_LIMIT_PER_ACCOUNT: '1000', ...env });
  return {
    db,
    smtp,
    app,
    api: new ApiClient(app.baseUrl),
    close: async () => {
      await app.close();
      await smtp.close();
      await db.drop();
    },
  };
}

/**
 * Register, resend-verification and password-reset requests are answered before they are
 * processed (src/auth/auth-requests.service.ts): waits until every one has been.
 */
export async function authRequestsProcessed(pool: import('pg').Pool): Promise<void> {
  const { eventually } = await import('./process');
  await eventually(async () => {
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM "AuthRequest" WHERE "processedAt" IS NULL');
    return rows[0].n === 0 ? true : undefined;
  }, 15_000, 'auth requests processed');
}

/**
 * A verified user written straight into the database and an access token for it, signed by
 * the app's own signer: for tests whose API cannot send email (or whose subject is not auth).
 */
export async function insertUserWithToken(
  pool: import('pg').Pool,
  options: { email?: string; role?: 'USER' | 'ADMIN'; jwtSecret?: string } = {},
): Promise<{ id: string; email: string; token: string }> {
  const crypto = await import('node:crypto');
  const { JwtService } = await import('@nestjs/jwt');
  const { AccessTokens } = await import('../../src/auth/access-tokens');
  const { TEST_JWT_SECRET } = await import('./app');
  const email = options.email ?? `user-${crypto.randomBytes(4).toString('hex')}@example.com`;
  const role = options.role ?? 'USER';
  const { rows } = await pool.query(
    `INSERT INTO "User" (id, email, "passwordHash", name, role, "emailVerifiedAt", "updatedAt")
     VALUES (gen_random_uuid(), $1, 'not-a-password-hash', 'Test User', $2, now(), now()) RETURNING id, "tokenVersion"`,
    [email, role],
  );
  const signer = new AccessTokens(new JwtService({ secret: options.jwtSecret ?? TEST_JWT_SECRET }), { JWT_EXPIRES_IN: '1h' } as never);
  const token = await signer.sign({ id: rows[0].id, role, tokenVersion: rows[0].tokenVersion });
  return { id: rows[0].id, email, token };
}
