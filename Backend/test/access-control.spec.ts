import crypto from 'node:crypto';
import { startMoneyTestEnv, type MoneyTestEnv, type TestUser } from './harness/money';

/**
 * Every operation of the served OpenAPI document, called as a stranger would: the ones that
 * declare the access token refuse anonymous callers and bad tokens with 401 (before looking
 * at the body or the ids), and every /admin operation refuses a user's valid token with 403.
 * A route added without its guard fails here without a test of its own.
 */
describe('access control of every documented operation', () => {
  let env: MoneyTestEnv;
  let user: TestUser;
  let operations: { method: string; path: string; security: Record<string, string[]>[] | undefined }[];

  beforeAll(async () => {
    env = await startMoneyTestEnv();
    user = await env.newUser();
    const doc = (await env.api.get('/openapi.json')).body;
    operations = Object.entries(doc.paths as Record<string, Record<string, { security?: Record<string, string[]>[] }>>).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, security: op.security })),
    );
  });
  afterAll(() => env.close());

  /** Path parameters filled with values that would be valid if the caller were allowed: an asset code, or an id nobody has. */
  const call = (method: string, path: string, authorization?: string) =>
    fetch(env.app.baseUrl + path.replace('{asset}', 'BTC').replace(/\{[^}]+\}/g, () => crypto.randomUUID()), {
      method,
      headers: { ...(authorization ? { authorization } : {}), ...(method === 'GET' ? {} : { 'content-type': 'application/json' }) },
      body: method === 'GET' ? undefined : '{}',
      signal: AbortSignal.timeout(10_000),
    }).then(async (res) => {
      const body = await res.text();
      return { status: res.status, error: res.headers.get('content-type')?.includes('json') ? JSON.parse(body).error : undefined };
    });

  const needsAccessToken = (security: Record<string, string[]>[] | undefined) => !!security?.some((s) => 'access-token' in s) && !security.some((s) => Object.keys(s).length === 0);

  it('the document declares the access token on every operation outside the public ones', () => {
    const open = operations.filter((o) => !needsAccessToken(o.security)).map((o) => `${o.method} ${o.path}`);
    expect(open.sort()).toEqual(
      [
        'GET /healthz',
        'GET /readyz',
        'GET /assets',
        'GET /plans',
        'GET /plans/{id}',
        'GET /plans/{id}/quote',
        'POST /auth/register',
        'POST /auth/verify-email',
        'POST /auth/resend-verification',
        'POST /auth/login',
        'POST /auth/refresh',
        'POST /auth/logout',
        'POST /auth/password-reset/request',
        'POST /auth/password-reset/complete',
      ].sort(),
    );
  });

  it('anonymous callers and bad tokens get 401 on every operation that needs an access token', async () => {
    const wrongSecret = `Bearer ${signedWithWrongSecret(user.token)}`;
    const answers: string[] = [];
    for (const { method, path } of operations.filter((o) => needsAccessToken(o.security))) {
      for (const [who, authorization] of [['anonymous', undefined], ['garbage', 'Bearer nope'], ['wrong secret', wrongSecret]] as const) {
        const { status } = await call(method, path, authorization);
        answers.push(`${method} ${path} ${who}: ${status}`);
      }
    }
    expect(answers.filter((a) => !a.endsWith(': 401'))).toEqual([]);
    expect(answers.length).toBeGreaterThanOrEqual(3 * 40);
  });

  it('a user’s valid token gets 403 on every /admin operation, and an admin’s token gets past the guard', async () => {
    const adminOps = operations.filter((o) => o.path.startsWith('/admin/'));
    expect(adminOps.length).toBeGreaterThanOrEqual(15);
    const admin = await env.newUser({ admin: true });
    const refused: string[] = [];
    const passed: string[] = [];
    for (const { method, path } of adminOps) {
      const asUser = await call(method, path, `Bearer ${user.token}`);
      refused.push(`${method} ${path}: ${asUser.status} ${asUser.error}`);
      // Past the guard: the empty body or the unknown id is what the admin hears about (400/404), or the list (200).
      const asAdmin = await call(method, path, `Bearer ${admin.token}`);
      passed.push(`${method} ${path}: ${[200, 400, 404].includes(asAdmin.status) ? 'past the guard' : asAdmin.status}`);
    }
    expect(refused.filter((a) => !a.endsWith(': 403 FORBIDDEN_ROLE'))).toEqual([]);
    expect(passed.filter((a) => !a.endsWith(': past the guard'))).toEqual([]);
  });
});

/** The same header and claims, signed with another key. */
function signedWithWrongSecret(token: string): string {
  const [header, payload] = token.split('.');
  const signature = crypto.createHmac('sha256', 'not-the-server-secret-0123456789abcdef').update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}
