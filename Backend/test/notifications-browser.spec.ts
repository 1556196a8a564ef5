/**
 * The notification stream in a real browser: Debian's Chromium driven by playwright-core
 * loads a tiny page from another origin (as a frontend would be), which gets a stream ticket
 * with its access token, opens an EventSource and shows each notification. When the stream
 * ends, the page gets a new ticket and resumes from the last event id it saw.
 */
import http from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './harness/browser';
import { startMoneyTestEnv, type MoneyTestEnv, type TestUser } from './harness/money';
import { NotificationStreamsService } from '../src/notifications/stream/notification-streams.service';

/** What a frontend does with EventSource: a ticket per connection, `lastEventId` when resuming. */
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>KryptoVault notifications</title></head>
<body>
<p id="status">connecting</p>
<p>connections: <span id="opens">0</span></p>
<ul id="list"></ul>
<script>
const params = new URLSearchParams(location.hash.slice(1));
const api = params.get('api');
const token = params.get('token');
let lastEventId = '';
async function connect() {
  const res = await fetch(api + '/notifications/stream-ticket', { method: 'POST', headers: { authorization: 'Bearer ' + token } });
  const { ticket } = await res.json();
  const es = new EventSource(api + '/notifications/stream?ticket=' + encodeURIComponent(ticket) + (lastEventId ? '&lastEventId=' + lastEventId : ''));
  es.onopen = () => {
    document.getElementById('status').textContent = 'open';
    const opens = document.getElementById('opens');
    opens.textContent = String(Number(opens.textContent) + 1);
  };
  es.addEventListener('notification', (event) => {
    lastEventId = event.lastEventId;
    const n = JSON.parse(event.data);
    const li = document.createElement('li');
    li.textContent = n.title + ': ' + n.body;
    document.getElementById('list').appendChild(li);
  });
  // The ticket was good for one connection: EventSource's own retry would reuse it.
  es.onerror = () => {
    es.close();
    document.getElementById('status').textContent = 'reconnecting';
    setTimeout(connect, 200);
  };
}
connect();
</script>
</body></html>`;

let env: MoneyTestEnv;
let pageServer: http.Server;
let pageOrigin: string;
let browser: Browser;
let page: Page;
let alice: TestUser;
let admin: TestUser;

beforeAll(async () => {
  pageServer = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(PAGE);
  });
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  pageOrigin = `http://127.0.0.1:${(pageServer.address() as { port: number }).port}`;
  env = await startMoneyTestEnv({ CORS_ORIGIN: pageOrigin });
  [alice, admin] = [await env.newUser(), await env.newUser({ admin: true })];
  browser = await launchChromium();
  page = await browser.newPage();
});
afterAll(async () => {
  await browser?.close();
  await env?.close();
  pageServer?.close();
});

/** Waits until a browser-side expression (page context, not Node) is true. */
const inPage = (expression: string, timeout: number) => page.waitForFunction(expression, undefined, { timeout });
const items = () => page.locator('#list li').allTextContents();

it('shows a notification created through the API, live, and resumes after the stream ends without losing one', async () => {
  await page.goto(`${pageOrigin}/#api=${encodeURIComponent(env.app.baseUrl)}&token=${encodeURIComponent(alice.token)}`);
  await inPage("document.getElementById('status').textContent === 'open'", 10_000);

  const deposit = await env.api.post('/deposits', { asset: 'ETH', amount: '0.25' }, { token: alice.token });
  expect((await env.api.post(`/admin/deposits/${deposit.body.id}/reject`, { reason: 'Sender failed screening' }, { token: admin.token })).status).toBe(200);
  await inPage("document.querySelectorAll('#list li').length === 1", 5_000);
  expect(await items()).toEqual([expect.stringMatching(/^Deposit rejected: Your ETH deposit of 0\.25.* was rejected: Sender failed screening$/)]);

  // The server ends the stream (as on a deploy); a notification lands while the page is away.
  env.app.app.get(NotificationStreamsService).closeAll();
  await env.db.pool.query(`INSERT INTO "Notification" (id, "userId", title, body) VALUES (gen_random_uuid(), $1, 'While away', 'missed')`, [alice.id]);
  await inPage("document.getElementById('opens').textContent === '2'", 10_000);
  await inPage("document.querySelectorAll('#list li').length === 2", 5_000);
  expect((await items())[1]).toBe('While away: missed');

  // Still live after the resume; nothing was shown twice.
  await env.db.pool.query(`INSERT INTO "Notification" (id, "userId", title, body) VALUES (gen_random_uuid(), $1, 'After', 'live')`, [alice.id]);
  await inPage("document.querySelectorAll('#list li').length === 3", 5_000);
  expect((await items()).slice(1)).toEqual(['While away: missed', 'After: live']);
});
