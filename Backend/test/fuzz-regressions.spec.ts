import { PASSWORD, startMoneyTestEnv, type MoneyTestEnv, type TestUser } from './harness/money';

/**
 * One test per finding of the schemathesis runs (test/resilience/fuzz.resilience.ts,
 * docs/testing.md "Fuzzing"), with plain HTTP requests: the request that went wrong and the
 * answer it gets now. Findings in the OpenAPI document are asserted on the served
 * /openapi.json.
 */
describe('fuzzing findings stay fixed', () => {
  let env: MoneyTestEnv;
  let user: TestUser;
  let admin: TestUser;
  let doc: any;

  beforeAll(async () => {
    env = await startMoneyTestEnv();
    user = await env.newUser();
    admin = await env.newUser({ admin: true });
    doc = (await env.api.get('/openapi.json')).body;
  });
  afterAll(() => env.close());

  const fieldsOf = (res: { body: any }): string[] => [...new Set<string>((res.body.details ?? []).map((d: { field: string }) => d.field))];
  const trade = { coin: 'BTC', side: 'BUY', price: '64250.5', size: '0.01', tradedAt: '2026-11-20T14:03:00Z' };

  it('POST /trades with "metadata": null is a trade without metadata (was a 500: a JSON null broke the object-only check)', async () => {
    const res = await env.api.post('/trades', { ...trade, metadata: null, notes: null, result: null }, { token: user.token });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ metadata: null, notes: null, result: null });
    const row = await env.db.pool.query(`SELECT metadata IS NULL AS none FROM "Trade" WHERE id = $1`, [res.body.id]);
    expect(row.rows[0].none).toBe(true);
    const schema = doc.components.schemas.CreateTradeDto.properties;
    expect(schema.metadata.nullable).toBe(true);
    expect(schema.notes).toMatchObject({ type: 'string', nullable: true });
    expect(schema.result).toMatchObject({ type: 'string', nullable: true });
  });

  it('PATCH /admin/plans/{id} with null for a field that cannot be null is a 400 naming it (was a 500 from the database layer)', async () => {
    const plan = await env.api.post('/admin/plans', { name: 'Regression', asset: 'BTC', minAmount: '0.01', maxAmount: '1', returnPercentPer30Days: '1', durationDays: 30 }, { token: admin.token });
    expect(plan.status).toBe(201);
    for (const field of ['active', 'name', 'asset', 'minAmount', 'returnPercentPer30Days', 'durationDays']) {
      const res = await env.api.patch(`/admin/plans/${plan.body.id}`, { [field]: null }, { token: admin.token });
      expect({ field, status: res.status, fields: fieldsOf(res) }).toEqual({ field, status: 400, fields: [field] });
    }
    // maxAmount may be null: no maximum.
    const open = await env.api.patch(`/admin/plans/${plan.body.id}`, { maxAmount: null }, { token: admin.token });
    expect(open.status).toBe(200);
    expect(open.body.maxAmount).toBeNull();
    const created = await env.api.post('/admin/plans', { name: 'Null active', asset: 'BTC', minAmount: '0.01', returnPercentPer30Days: '1', durationDays: 30, active: null }, { token: admin.token });
    expect(created.status).toBe(400);
    expect(fieldsOf(created)).toEqual(['active']);
  });

  it('PATCH /profile without a body (or with a body that is no object) is a 400 naming the body (was a 200 that changed nothing)', async () => {
    const none = await env.api.call('PATCH', '/profile', { token: user.token });
    expect(none.status).toBe(400);
    expect(none.body).toMatchObject({ error: 'VALIDATION_FAILED', details: [{ field: 'body' }] });
    for (const body of [null, [], 5, 'city']) {
      const res = await env.api.patch('/profile', body, { token: user.token });
      expect({ body, status: res.status, fields: fieldsOf(res) }).toEqual({ body, status: 400, fields: ['body'] });
    }
    // A route with required fields still names them when the body is missing.
    const reject = await env.api.call('POST', '/admin/kyc/00000000-0000-4000-8000-000000000000/reject', { token: admin.token });
    expect(reject.status).toBe(400);
    expect(fieldsOf(reject)).toEqual(['reason']);
    // An empty object is a valid patch of nothing; body-less POSTs without a DTO are unaffected.
    expect((await env.api.patch('/profile', {}, { token: user.token })).status).toBe(200);
    expect((await env.api.call('POST', '/notifications/read-all', { token: user.token })).status).toBe(200);
  });

  it('the document types the nullable profile fields as strings (they were documented as objects)', () => {
    const props = doc.components.schemas.UpdateProfileDto.properties;
    for (const field of ['phone', 'addressLine1', 'addressLine2', 'city', 'postalCode', 'country', 'dateOfBirth']) {
      expect({ field, type: props[field].type, nullable: props[field].nullable }).toEqual({ field, type: 'string', nullable: true });
    }
  });

  it('GET /notifications/stream documents one event per schema (the document said the stream was one string; events are parsed objects)', async () => {
    const schema = doc.paths['/notifications/stream'].get.responses['200'].content['text/event-stream'].schema;
    expect(schema).toMatchObject({ type: 'object', required: ['event', 'data'] });
    expect(schema.properties.event.enum).toEqual(['notification', 'session-expired', 'session-revoked']);
    // What the stream sends matches: a notification event with a numeric id and JSON data.
    await env.db.pool.query(`INSERT INTO "Notification" (id, "userId", title, body) VALUES (gen_random_uuid(), $1, 'Hello', 'World')`, [user.id]);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 10_000);
    let text = '';
    try {
      const res = await fetch(`${env.app.baseUrl}/notifications/stream?lastEventId=0`, { headers: { authorization: `Bearer ${user.token}` }, signal: controller.signal });
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = res.body!.getReader();
      while (!/\nevent: notification\ndata: .*\n\n/.test(text)) {
        const chunk = await reader.read();
        if (chunk.done) break;
        text += new TextDecoder().decode(chunk.value);
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
    const event = /id: (\d+)\nevent: (notification)\ndata: (.*)\n\n/.exec(text);
    if (!event) throw new Error(`no notification event in ${JSON.stringify(text)}`);
    expect(event[1]).toMatch(new RegExp(schema.properties.id.pattern));
    expect(JSON.parse(event[3]!)).toMatchObject({ title: 'Hello', body: 'World' });
  });

  it('POST /auth/logout documents the refresh cookie as optional (204 without one; it was documented as required)', async () => {
    expect(doc.paths['/auth/logout'].post.security).toEqual(expect.arrayContaining([{}, { 'refresh-cookie': [] }]));
    expect((await env.api.post('/auth/logout')).status).toBe(204);
    // refresh still requires it.
    expect(doc.paths['/auth/refresh'].post.security).toEqual([{ 'refresh-cookie': [] }]);
    expect((await env.api.post('/auth/refresh')).status).toBe(401);
  });

  it('every :id path parameter is documented as a UUID, and any UUID version is a 404 when unknown (notifications wanted v4: a valid UUID got a 400)', async () => {
    const idParams = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([p, item]) =>
      Object.entries(item).flatMap(([method, op]) => (op.parameters ?? []).filter((x: any) => x.in === 'path' && x.name === 'id').map((x: any) => ({ op: `${method} ${p}`, schema: x.schema }))),
    );
    expect(idParams.length).toBeGreaterThanOrEqual(19);
    for (const { op, schema } of idParams) expect({ op, schema }).toEqual({ op, schema: { type: 'string', format: 'uuid' } });
    const v1 = 'c232ab00-9414-11ec-b3c8-9f68deced846';
    expect((await env.api.post(`/notifications/${v1}/read`, undefined, { token: user.token })).status).toBe(404);
    expect((await env.api.get(`/plans/${v1}`)).status).toBe(404);
    const bad = await env.api.get('/plans/not-a-uuid');
    expect(bad.status).toBe(400);
  });

  it('POST /auth/login, /auth/refresh and /auth/verify-email are documented with the login answer (an automation session had taken the name SessionDto)', async () => {
    const schemaOf = (p: string) => doc.paths[p].post.responses['200'].content['application/json'].schema.$ref;
    for (const p of ['/auth/login', '/auth/refresh', '/auth/verify-email']) expect({ p, ref: schemaOf(p) }).toEqual({ p, ref: '#/components/schemas/SessionDto' });
    expect(doc.components.schemas.SessionDto.required).toEqual(['accessToken', 'tokenType', 'expiresIn', 'user']);
    expect(doc.paths['/automation/sessions'].post.responses['201'].content['application/json'].schema.$ref).toBe('#/components/schemas/AutomationSessionDto');
    const login = await env.api.post('/auth/login', { email: user.email, password: PASSWORD });
    expect(login.status).toBe(200);
    expect(Object.keys(login.body).sort()).toEqual([...doc.components.schemas.SessionDto.required].sort());
    expect(env.app.rawLogs.join('\n')).not.toContain('Duplicate DTO detected');
  });

  it('integer inputs are documented as integers and cursors with their pattern (limit=1.5 was documented as valid)', async () => {
    const query = (p: string, name: string) => doc.paths[p].get.parameters.find((x: any) => x.name === name).schema;
    expect(query('/notifications', 'limit')).toMatchObject({ type: 'integer', minimum: 1, maximum: 100 });
    expect(query('/notifications', 'offset')).toMatchObject({ type: 'integer', minimum: 0 });
    expect(query('/deposits', 'cursor')).toMatchObject({ type: 'string', pattern: '^[A-Za-z0-9_-]{1,200}$' });
    expect(doc.components.schemas.StartSessionDto.properties.runs.type).toBe('integer');
    expect(doc.components.schemas.CreatePlanDto.properties.durationDays.type).toBe('integer');
    expect((await env.api.get('/notifications?limit=1.5', { token: user.token })).status).toBe(400);
    expect(fieldsOf(await env.api.get('/deposits?cursor=', { token: user.token }))).toEqual(['cursor']);
  });
});
