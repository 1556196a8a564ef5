/**
 * Observability end to end, with the real programs a cluster runs:
 *  - an OpenTelemetry Collector built with the collector builder (tools/otelcol/build.sh:
 *    OTLP/HTTP receiver, batch processor, file exporter writing JSON) receives the spans of
 *    the API (`node dist/main.js`) and of a deposit-monitor pass (the CronJob's command),
 *    both started with OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES exactly as the
 *    generated chart (k8s/production) sets them, the downward-API values replaced by fixed
 *    strings;
 *  - a real Prometheus (Debian's package) scrapes the API with the scrape config that
 *    docs/observability.md gives (extracted from the doc, only the target replaced) and
 *    evaluates the chart's alert rules (the PrometheusRule of k8s/production);
 *  - promtool checks those rules and the API's /metrics.
 * `npm run tools:install` (the root `pretest`) provides the collector and Prometheus.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as YAML from 'yaml';
import { freePort } from '../src/local/embedded-postgres';
import { TEST_JWT_SECRET } from './harness/app';
import { ApiClient, registerAndVerify } from './harness/auth-client';
import { ETH_ADDRESS, MONEY_TEST_SETTINGS, PASSWORD, randomTxHash } from './harness/money';
import { createTestDatabase, type TestDatabase } from './harness/postgres';
import { BACKEND_DIR, eventually, runApi, runNode, statusOf, type RunningProcess } from './harness/process';
import { startTestSmtp, type TestSmtp } from './harness/smtp';
import { startTestVerifier, type TestVerifier } from './harness/verifier';
import type { OtlpAttribute, OtlpSpan as ReceivedSpan } from './harness/otlp';

const ROOT = path.join(BACKEND_DIR, '..');
const STEP_TIMEOUT = 120_000;

// ---------------------------------------------------------------- the chart's settings

type K8sObject = { kind: string; metadata: { name: string; namespace?: string }; spec: any };

const manifests = (): K8sObject[] =>
  YAML.parseAllDocuments(fs.readFileSync(path.join(ROOT, 'k8s', 'production', 'kryptovault.yaml'), 'utf8'))
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);

/** Fixed stand-ins for what the downward API gives a pod. */
const POD_NAMES: Record<string, string> = {
  'kryptovault-api': 'kryptovault-api-6d4cf56db6-tkx2p',
  'kryptovault-deposit-monitor': 'kryptovault-deposit-monitor-29412345-q8z7m',
};
const NODE_NAME = 'node-a';

/**
 * The app container of a workload in k8s/production, with its literal and downward-API
 * variables resolved the way the kubelet does (`$(VAR)` refers to a variable defined earlier).
 */
function chartContainer(kind: 'Deployment' | 'CronJob', name: string) {
  const object = manifests().find((o) => o.kind === kind && o.metadata.name === name);
  if (!object) throw new Error(`${kind} ${name} not found in k8s/production/kryptovault.yaml`);
  const podSpec = kind === 'CronJob' ? object.spec.jobTemplate.spec.template.spec : object.spec.template.spec;
  const container = podSpec.containers.find((c: { name: string }) => c.name === 'app');
  const downward: Record<string, string> = {
    'metadata.name': POD_NAMES[name]!,
    'metadata.namespace': object.metadata.namespace!,
    'spec.nodeName': NODE_NAME,
  };
  const env: Record<string, string> = {};
  for (const e of container.env as { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[]) {
    if (e.value !== undefined) env[e.name] = String(e.value).replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (ref, v: string) => env[v] ?? ref);
    else if (e.valueFrom?.fieldRef) {
      const value = downward[e.valueFrom.fieldRef.fieldPath];
      if (value === undefined) throw new Error(`no stand-in for the downward-API field ${e.valueFrom.fieldRef.fieldPath}`);
      env[e.name] = value;
    }
  }
  return { namespace: object.metadata.namespace!, command: container.command as string[], env };
}

/** OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES as the chart sets them for a workload. */
function chartOtelEnv(container: ReturnType<typeof chartContainer>): Record<string, string> {
  const { OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES } = container.env;
  if (!OTEL_SERVICE_NAME || !OTEL_RESOURCE_ATTRIBUTES) throw new Error('the chart sets no OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES');
  if (OTEL_RESOURCE_ATTRIBUTES.includes('$(')) throw new Error(`unresolved reference in ${OTEL_RESOURCE_ATTRIBUTES}`);
  return { OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES };
}

/** The first ```yaml block after a heading of docs/observability.md. */
function docYamlBlock(heading: string): string {
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'observability.md'), 'utf8');
  const start = doc.indexOf(`\n### ${heading}\n`);
  if (start < 0) throw new Error(`docs/observability.md has no section "${heading}"`);
  const block = /```yaml\n([\s\S]*?)\n```/.exec(doc.slice(start));
  if (!block) throw new Error(`no yaml block in "${heading}"`);
  return block[1]!;
}

// ---------------------------------------------------------------- processes

const children: ChildProcess[] = [];

/** A program (not node) as a child process, output captured; killed in afterAll. */
function runProgram(file: string, args: string[]): RunningProcess {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  children.push(child);
  return { child, output: () => out, exited };
}

function track(proc: RunningProcess): RunningProcess {
  children.push(proc.child);
  return proc;
}

async function stopAll() {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

/** A program that `npm run tools:install` provides, from PATH. */
function onPath(program: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error(`${program} is not on PATH: run \`npm run tools:install\` (Backend/scripts/install-test-services.sh)`);
  return found;
}

function collectorBinary(): string {
  const binary = execFileSync('bash', [path.join(ROOT, 'tools', 'otelcol', 'build.sh'), 'path'], { encoding: 'utf8' }).trim();
  if (!fs.existsSync(binary)) throw new Error(`no collector at ${binary}: run \`npm run tools:install\` (tools/otelcol/build.sh)`);
  return binary;
}

// ---------------------------------------------------------------- collector output

/** The collector's file exporter leaves out empty attribute lists. */
type OtlpSpan = Omit<ReceivedSpan, 'attributes'> & { attributes?: OtlpAttribute[] };
interface ExportedSpan {
  span: OtlpSpan;
  resource: Record<string, string | undefined>;
}

const attr = (span: OtlpSpan, key: string) => span.attributes?.find((a) => a.key === key)?.value.stringValue;

/** Every span the file exporter wrote (one OTLP/JSON export request per line), with its resource. */
function exportedSpans(file: string): ExportedSpan[] {
  if (!fs.existsSync(file)) return [];
  const spans: ExportedSpan[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let payload;
    try {
      payload = JSON.parse(line);
    } catch {
      continue; // a line still being written
    }
    for (const rs of payload.resourceSpans ?? []) {
      const resource = Object.fromEntries((rs.resource?.attributes ?? []).map((a: OtlpAttribute) => [a.key, a.value.stringValue]));
      for (const ss of rs.scopeSpans ?? []) for (const span of ss.spans ?? []) spans.push({ span, resource });
    }
  }
  return spans;
}

// ---------------------------------------------------------------- Prometheus API

interface PromRule {
  name: string;
  type: 'alerting' | 'recording';
  state?: 'inactive' | 'pending' | 'firing';
  health: string;
  lastError?: string;
}
interface PromGroup {
  name: string;
  file: string;
  rules: PromRule[];
}

describe('observability end to end: a real collector and Prometheus', () => {
  let db: TestDatabase;
  let smtp: TestSmtp;
  let verifier: TestVerifier;
  let api: RunningProcess & { baseUrl: string };
  let promUrl: string;
  let apiTarget: string;
  let collectorUrl: string;
  let traceFile: string;
  let work: string;
  let ruleGroups: { name: string; rules: { alert?: string }[] }[];
  const apiChart = chartContainer('Deployment', 'kryptovault-api');
  const monitorChart = chartContainer('CronJob', 'kryptovault-deposit-monitor');

  const prom = async <T>(pathAndQuery: string): Promise<T> => {
    const res = await fetch(`${promUrl}${pathAndQuery}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${pathAndQuery}: ${body.error}`);
    return body.data;
  };
  const query = async (expr: string) =>
    (await prom<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result;
  /** The value of a query that returns one sample, once it does. */
  const single = async (expr: string) => {
    const result = await query(expr);
    return result.length === 1 ? Number(result[0]!.value[1]) : undefined;
  };
  const groups = async () => (await prom<{ groups: PromGroup[] }>('/api/v1/rules')).groups;
  const alertState = async (alert: string) => (await groups()).flatMap((g) => g.rules).find((r) => r.name === alert)?.state;

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-observability-'));
    // The programs first: a missing one fails here, before anything else starts.
    const otelcol = collectorBinary();
    const prometheus = onPath('prometheus');
    onPath('promtool');

    db = await createTestDatabase();
    smtp = await startTestSmtp();
    verifier = await startTestVerifier();

    // The collector: OTLP/HTTP on a free loopback port, spans written to a file as JSON.
    const otlpPort = await freePort();
    traceFile = path.join(work, 'traces.json');
    const collectorConfig = path.join(work, 'otelcol.yaml');
    fs.writeFileSync(
      collectorConfig,
      YAML.stringify({
        receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${otlpPort}` } } } },
        processors: { batch: { timeout: '200ms' } },
        exporters: { file: { path: traceFile, format: 'json', flush_interval: '200ms' } },
        service: {
          // No self-monitoring endpoint (it would bind a fixed port, 8888).
          telemetry: { metrics: { level: 'none' }, logs: { level: 'info' } },
          pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['file'] } },
        },
      }),
    );
    const collector = runProgram(otelcol, ['--config', collectorConfig]);
    collectorUrl = `http://127.0.0.1:${otlpPort}`;
    await eventually(
      async () => {
        if (collector.child.exitCode !== null) throw new Error(`the collector exited: ${collector.output()}`);
        return (await statusOf(`${collectorUrl}/v1/traces`)) !== undefined ? true : undefined;
      },
      30_000,
      'the collector',
    );

    // The API as the Deployment runs it, exporting to the collector.
    expect(apiChart.command.slice(0, 2)).toEqual(['node', 'dist/main.js']);
    api = await runApi({
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      ...smtp.env,
      ...MONEY_TEST_SETTINGS,
      ...verifier.env,
      OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      ...chartOtelEnv(apiChart),
    });
    track(api);
    await eventually(async () => {
      if (api.child.exitCode !== null) throw new Error(`the API exited: ${api.output()}`);
      return (await statusOf(`${api.baseUrl}/readyz`)) === 200 ? true : undefined;
    }, 60_000, 'the API');

    // Prometheus with the doc's scrape config (only the target replaced) and the chart's rules.
    const scrape = docYamlBlock('Scrape config without the Prometheus Operator');
    apiTarget = new URL(api.baseUrl).host;
    expect(scrape.split('127.0.0.1:3000').length).toBe(2);
    const scrapeConfigs = YAML.parse(scrape.replace('127.0.0.1:3000', apiTarget)).scrape_configs;
    const rule = manifests().find((o) => o.kind === 'PrometheusRule');
    if (!rule) throw new Error('k8s/production has no PrometheusRule');
    ruleGroups = rule.spec.groups;
    const rulesFile = path.join(work, 'rules.yaml');
    fs.writeFileSync(rulesFile, YAML.stringify({ groups: ruleGroups }));
    const promConfig = path.join(work, 'prometheus.yml');
    fs.writeFileSync(
      promConfig,
      YAML.stringify({ global: { scrape_interval: '1s', evaluation_interval: '1s' }, rule_files: [rulesFile], scrape_configs: scrapeConfigs }),
    );
    const promPort = await freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
    const prometheusProc = runProgram(prometheus, [
      `--config.file=${promConfig}`,
      `--storage.tsdb.path=${path.join(work, 'prometheus-data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ]);
    await eventually(
      async () => {
        if (prometheusProc.child.exitCode !== null) throw new Error(`prometheus exited: ${prometheusProc.output()}`);
        return (await statusOf(`${promUrl}/-/ready`)) === 200 ? true : undefined;
      },
      30_000,
      'Prometheus',
    );
  }, 180_000);

  afterAll(async () => {
    await stopAll();
    await verifier?.close();
    await smtp?.close();
    await db?.drop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it('the API serves /metrics that promtool check metrics finds no problem in', async () => {
    const res = await fetch(`${api.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('# TYPE http_requests_total counter');
    expect(body).toContain('# TYPE http_request_duration_seconds histogram');
    // prom-client's gauges named `..._total` are dropped; their per-type siblings stay.
    expect(body).toContain('# TYPE nodejs_active_handles gauge');
    expect(body).not.toContain('nodejs_active_handles_total');
    const check = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
    expect({ status: check.status, output: check.stdout + check.stderr }).toEqual({ status: 0, output: '' });
    // The check can fail: a counter without the _total suffix is reported.
    const bad = spawnSync('promtool', ['check', 'metrics'], { input: '# HELP requests Requests.\n# TYPE requests counter\nrequests 1\n', encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stdout + bad.stderr).toMatch(/_total/);
  });

  it("Prometheus scrapes the API with the documented config and loads the chart's alert rules cleanly", async () => {
    // promtool agrees with Prometheus on the rule file.
    const check = spawnSync('promtool', ['check', 'rules', path.join(work, 'rules.yaml')], { encoding: 'utf8' });
    const alerts = ruleGroups.flatMap((g) => g.rules).filter((r) => r.alert);
    expect(check.stdout + check.stderr).toContain(`SUCCESS: ${alerts.length} rules found`);
    expect(check.status).toBe(0);

    const target = await eventually(
      async () => {
        const { activeTargets } = await prom<{ activeTargets: { labels: Record<string, string>; health: string; scrapeUrl: string; lastError: string }[] }>('/api/v1/targets');
        const t = activeTargets.find((x) => x.labels.job === 'kryptovault-api');
        return t?.health === 'up' ? t : undefined;
      },
      STEP_TIMEOUT,
      'the API target to be up',
    );
    expect(target).toMatchObject({ scrapeUrl: `http://${apiTarget}/metrics`, lastError: '', labels: { namespace: apiChart.namespace } });
    expect(await eventually(() => single(`up{job="kryptovault-api",namespace="${apiChart.namespace}"}`), STEP_TIMEOUT, 'up')).toBe(1);

    // Every group of the PrometheusRule is loaded and every rule evaluates without error.
    const loaded = await eventually(
      async () => {
        const g = await groups();
        return g.length === ruleGroups.length && g.every((x) => x.rules.every((r) => r.health === 'ok')) ? g : undefined;
      },
      STEP_TIMEOUT,
      'every rule to be evaluated',
    );
    expect(loaded.map((g) => g.name).sort()).toEqual(ruleGroups.map((g) => g.name).sort());
    for (const g of loaded) {
      const expected = ruleGroups.find((x) => x.name === g.name)!;
      expect(g.rules.map((r) => r.name)).toEqual(expected.rules.map((r) => r.alert));
      for (const r of g.rules) expect({ rule: r.name, health: r.health, lastError: r.lastError ?? '' }).toEqual({ rule: r.name, health: 'ok', lastError: '' });
    }

    // The alerts select the job and namespace the documented config gives: the API is
    // seen up, and no deposit-monitor pass has succeeded yet (gauge 0), so the stale
    // alert is pending (it fires after its 5 minutes of `for`).
    expect(await eventually(() => single('kryptovault_job_last_success_timestamp_seconds{worker="deposit-monitor"}'), STEP_TIMEOUT, 'the job gauge')).toBe(0);
    await eventually(async () => ((await alertState('KryptoVaultApiDown')) === 'inactive' ? true : undefined), STEP_TIMEOUT, 'KryptoVaultApiDown inactive');
    await eventually(async () => ((await alertState('KryptoVaultDepositMonitorStale')) === 'pending' ? true : undefined), STEP_TIMEOUT, 'KryptoVaultDepositMonitorStale pending');
  });

  it("traces of a request and of a deposit-monitor pass reach the collector with the chart's service names and k8s attributes", async () => {
    // An authenticated request path: register, open a deposit, submit its transaction.
    const client = new ApiClient(api.baseUrl);
    const email = `observer-${Date.now()}@example.com`;
    const user = await registerAndVerify(client, smtp, { email, password: PASSWORD, name: 'Observer' });
    const opened = await client.post('/deposits', { asset: 'ETH', amount: '1' }, { token: user.accessToken });
    expect(opened.status).toBe(201);
    const depositTxHash = randomTxHash('ETH');
    const submitted = await client.post(`/deposits/${opened.body.id}/tx`, { txHash: depositTxHash }, { token: user.accessToken });
    expect(submitted.status).toBe(200);

    // The chain confirms it; the deposit is due; one pass of the CronJob's command credits it.
    verifier.setTx('ETH', depositTxHash, { confirmations: 12, amount: '1', toAddress: ETH_ADDRESS });
    await db.pool.query(`UPDATE "Deposit" SET "nextCheckAt" = now() - interval '1 second' WHERE id = $1`, [opened.body.id]);
    const [node, script, ...args] = monitorChart.command;
    expect(node).toBe('node');
    const pass = track(
      runNode(
        script!,
        {
          NODE_ENV: 'test',
          LOG_FORMAT: 'json',
          DATABASE_URL: db.url,
          JWT_SECRET: TEST_JWT_SECRET,
          ...MONEY_TEST_SETTINGS,
          ...verifier.env,
          OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
          OTEL_BSP_SCHEDULE_DELAY: '100',
          ...chartOtelEnv(monitorChart),
        },
        { args },
      ),
    );
    const exit = await pass.exited;
    expect({ exit, output: pass.output() }).toMatchObject({ exit: { code: 0 } });
    const finished = pass.output().split('\n').find((l) => l.includes('deposit-monitor pass finished'));
    expect(JSON.parse(finished!)).toMatchObject({ worker: 'deposit-monitor', credited: 1 });
    expect((await db.pool.query(`SELECT status FROM "Deposit" WHERE id = $1`, [opened.body.id])).rows[0].status).toBe('CREDITED');

    const k8sResource = (pod: string) => ({
      'k8s.pod.name': pod,
      'k8s.namespace.name': apiChart.namespace,
      'k8s.node.name': NODE_NAME,
      'k8s.container.name': 'app',
      'service.version': expect.any(String),
    });

    // The API's server span for the authenticated route, Prisma spans in its trace.
    const server = await eventually(
      () => exportedSpans(traceFile).find((s) => s.span.kind === 2 && attr(s.span, 'http.route') === '/deposits/:id/tx'),
      STEP_TIMEOUT,
      'the POST /deposits/:id/tx server span in the collector output',
    );
    expect(server.span.name).toBe('POST /deposits/:id/tx');
    expect(server.resource).toMatchObject({ 'service.name': 'kryptovault-api', ...k8sResource(POD_NAMES['kryptovault-api']!) });
    const prismaInRequest = await eventually(
      () => exportedSpans(traceFile).find((s) => s.span.traceId === server.span.traceId && s.span.name.startsWith('prisma:')),
      STEP_TIMEOUT,
      'a Prisma span in the request trace',
    );
    expect(prismaInRequest.resource['service.name']).toBe('kryptovault-api');
    const readyz = await eventually(
      () => exportedSpans(traceFile).find((s) => s.span.kind === 2 && s.span.name === 'GET /readyz'),
      STEP_TIMEOUT,
      'a GET /readyz server span',
    );
    expect(readyz.resource['service.name']).toBe('kryptovault-api');

    // The worker's pass: its own service name and pod, the verifier call and Prisma in its trace.
    const passSpan = await eventually(
      () => exportedSpans(traceFile).find((s) => s.span.name === 'deposit-monitor.pass'),
      STEP_TIMEOUT,
      'the deposit-monitor.pass span in the collector output',
    );
    const passTraceId = passSpan.span.traceId;
    expect(passSpan.resource).toMatchObject({ 'service.name': 'kryptovault-deposit-monitor', ...k8sResource(POD_NAMES['kryptovault-deposit-monitor']!) });
    const inPass = exportedSpans(traceFile).filter((s) => s.span.traceId === passTraceId);
    expect(inPass.map((s) => s.span.name)).toEqual(expect.arrayContaining(['blockchain-verifier.verify']));
    expect(inPass.some((s) => s.span.name.startsWith('prisma:'))).toBe(true);
    expect(new Set(inPass.map((s) => s.resource['service.name']))).toEqual(new Set(['kryptovault-deposit-monitor']));
    // The verifier was asked about this transaction by that pass.
    expect(verifier.requestsFor(depositTxHash).length).toBeGreaterThanOrEqual(1);
  });

  it("Prometheus records the API's requests and latency and the monitor's success, and the stale alert resolves", async () => {
    const ns = apiChart.namespace;
    const requests = await eventually(
      async () => {
        const v = await single(`sum(http_requests_total{job="kryptovault-api",namespace="${ns}",method="POST",route="/deposits/:id/tx",status_code="200"})`);
        return v !== undefined && v >= 1 ? v : undefined;
      },
      STEP_TIMEOUT,
      'http_requests_total for POST /deposits/:id/tx',
    );
    expect(requests).toBeGreaterThanOrEqual(1);
    const buckets = await eventually(
      async () => {
        const result = await query(`http_request_duration_seconds_bucket{job="kryptovault-api",route="/deposits/:id/tx",method="POST"}`);
        return result.length > 0 ? result : undefined;
      },
      STEP_TIMEOUT,
      'http_request_duration_seconds_bucket',
    );
    expect(buckets.map((b) => b.metric.le)).toEqual(expect.arrayContaining(['0.005', '10', '+Inf']));
    expect(Number(buckets.find((b) => b.metric.le === '+Inf')!.value[1])).toBeGreaterThanOrEqual(1);

    // The pass ran in another process (the CronJob pod): the API reports it from the database.
    const last = await eventually(
      async () => {
        const v = await single(`kryptovault_job_last_success_timestamp_seconds{job="kryptovault-api",namespace="${ns}",worker="deposit-monitor"}`);
        return v !== undefined && v > 0 ? v : undefined;
      },
      STEP_TIMEOUT,
      'a non-zero deposit-monitor last-success timestamp',
    );
    expect(Math.abs(last - Date.now() / 1000)).toBeLessThan(3600);
    await eventually(async () => ((await alertState('KryptoVaultDepositMonitorStale')) === 'inactive' ? true : undefined), STEP_TIMEOUT, 'KryptoVaultDepositMonitorStale inactive');
    expect(await alertState('KryptoVaultApiDown')).toBe('inactive');
  });
});
