/**
 * The top-level skaffold.yaml: valid against skaffold's published JSON schema for its
 * apiVersion (vendored in fixtures/, see fixtures/README.md), every path it names exists,
 * and what it would deploy fits together: the image the dev values deploy, the companions
 * it keeps from k8s/dev next to the chart (nothing twice, nothing the chart needs missing),
 * the port-forwards and the two profiles.
 *
 * No skaffold binary is needed: the test evaluates the file the way skaffold does (profile
 * patches, the companions' post-render hook, helm's arguments with the build's image values)
 * and renders the chart with the real helm. When a skaffold binary is present
 * (KRYPTOVAULT_SKAFFOLD, .tools/bin/skaffold or ~/.cache/kryptovault-tools/bin/skaffold), it
 * also runs `skaffold diagnose` and `skaffold render --offline` on the file; it is never built here.
 */
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Ajv from 'ajv';
import * as YAML from 'yaml';
import { HTTP_PORT } from '../src/config/values';
import { repoRoot } from '../src/paths';
import { K8sObject, parseDocs, podSpecs } from './helpers/helm';
import { runOk, toolPath } from './helpers/tools';

const ROOT = repoRoot();
const SKAFFOLD_FILE = path.join(ROOT, 'skaffold.yaml');
const SCHEMA_VERSION = 'v4beta14';
const SCHEMA_FILE = path.join(__dirname, 'fixtures', `skaffold-${SCHEMA_VERSION}.schema.json`);
const DEV_DIR = path.join(ROOT, 'k8s', 'dev');
const APP_CONFIG = 'kryptovault';

type Config = Record<string, any>;

// ---------------------------------------------------------------------------
// Reading and evaluating skaffold.yaml the way skaffold does
// ---------------------------------------------------------------------------

function loadConfigs(text: string): Config[] {
  return YAML.parseAllDocuments(text).map((d) => {
    if (d.errors.length > 0) throw new Error(`skaffold.yaml: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as Config;
  });
}

function schemaValidator() {
  const ajv = new Ajv({ allErrors: true, strict: true });
  // skaffold's schema carries IDE annotations besides draft-07 keywords.
  ajv.addVocabulary(['x-intellij-html-description', 'preferredOrder']);
  return ajv.compile(JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')));
}
const validate = schemaValidator();

function schemaErrors(config: unknown): string[] {
  if (validate(config)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
}

/** RFC 6902 path (JSON pointer) segments. */
function pointer(p: string): string[] {
  if (!p.startsWith('/')) throw new Error(`bad patch path ${p}`);
  return p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The add/replace/remove subset of JSON patch that skaffold profiles use here. */
function applyPatch(doc: Config, patch: { op?: string; path: string; value?: unknown }): void {
  const op = patch.op ?? 'replace';
  const segs = pointer(patch.path);
  const last = segs.pop()!;
  let parent: any = doc;
  for (const s of segs) {
    parent = Array.isArray(parent) ? parent[Number(s)] : parent?.[s];
    if (parent === undefined || parent === null || typeof parent !== 'object') throw new Error(`patch ${op} ${patch.path}: no parent`);
  }
  const value = structuredClone(patch.value);
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (op === 'add') parent.splice(i, 0, value);
    else if (i >= parent.length) throw new Error(`patch ${op} ${patch.path}: no element ${i}`);
    else if (op === 'replace') parent[i] = value;
    else if (op === 'remove') parent.splice(i, 1);
    else throw new Error(`unsupported patch op ${op}`);
  } else {
    if (op !== 'add' && !(last in parent)) throw new Error(`patch ${op} ${patch.path}: no key ${last}`);
    if (op === 'add' || op === 'replace') parent[last] = value;
    else if (op === 'remove') delete parent[last];
    else throw new Error(`unsupported patch op ${op}`);
  }
}

interface Run {
  /** skaffold's command (`dev` activates profiles with `activation: [{command: dev}]`). */
  command?: string;
  /** -p profiles. */
  profiles?: string[];
}

/** Each config with its activated profiles applied (auto-activated first, then named), as skaffold does. */
function effective(configs: Config[], run: Run): Config[] {
  return configs.map((c) => {
    const out = structuredClone(c);
    const profiles: Config[] = out.profiles ?? [];
    delete out.profiles;
    const auto = profiles.filter((p) => (p.activation ?? []).some((a: any) => a.command !== undefined && a.command === run.command));
    const named = profiles.filter((p) => (run.profiles ?? []).includes(p.name) && !auto.includes(p));
    for (const p of [...auto, ...named]) for (const patch of p.patches ?? []) applyPatch(out, patch);
    return out;
  });
}

function byName(configs: Config[], name: string): Config {
  const c = configs.find((x) => x.metadata?.name === name);
  if (!c) throw new Error(`skaffold.yaml has no config named ${name}`);
  return c;
}

/** A config's raw manifests, in the order listed (no post-render hooks: the files are split by purpose). */
function renderedRawManifests(config: Config): K8sObject[] {
  expect(config.manifests?.hooks).toBeUndefined();
  const files: string[] = config.manifests?.rawYaml ?? [];
  return parseDocs(files.map((f) => fs.readFileSync(path.join(ROOT, f), 'utf8')).join('\n---\n'));
}

interface Build {
  /** What skaffold's build hands the deployer, e.g. kryptovault:<image id> or repo/kryptovault:tag@sha256:... */
  tag: string;
}

/** skaffold's template variables for a build (pkg/skaffold/helm/args.go envVarForImage); names sanitized like skaffold. */
function imageTemplateVars(image: string, build: Build): Record<string, string> {
  const m = /^(?<repo>[^@]+?)(?::(?<tag>[^:/@]+))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/.exec(build.tag);
  if (!m?.groups) throw new Error(`bad build tag ${build.tag}`);
  const vars = { IMAGE_NAME: image, IMAGE_REPO: m.groups.repo, IMAGE_TAG: m.groups.tag ?? '', IMAGE_DIGEST: m.groups.digest ?? '', IMAGE_FULLY_QUALIFIED: build.tag };
  const suffix = image.replace(/[/\-.:]/g, '_');
  return Object.fromEntries(Object.entries(vars).flatMap(([k, v]) => [[k, v], [`${k}_${suffix}`, v]]));
}

function expandTemplate(template: string, vars: Record<string, string>): string {
  return template.replace(/\{\{\s*\.([A-Za-z0-9_]+)\s*\}\}/g, (_all, key: string) => {
    if (!(key in vars)) throw new Error(`setValueTemplates: unknown variable ${key} (known: ${Object.keys(vars).join(', ')})`);
    return vars[key];
  });
}

/** `helm template` with the arguments skaffold's helm deployer gives `helm install` for this release. */
function helmArgs(config: Config, release: Config, build: Build): string[] {
  const image: string = config.build.artifacts[0].image;
  const vars = imageTemplateVars(image, build);
  const args = ['template', release.name, path.join(ROOT, release.chartPath), '--namespace', release.namespace];
  for (const [k, v] of Object.entries<string>(release.setValues ?? {}).sort()) args.push('--set', `${k}=${v}`);
  for (const [k, v] of Object.entries<string>(release.setValueTemplates ?? {}).sort()) {
    // skaffold drops a trailing "@" (tag@digest templates with no digest).
    args.push('--set', `${expandTemplate(k, vars)}=${expandTemplate(v, vars).replace(/@$/, '')}`);
  }
  for (const f of release.valuesFiles ?? []) args.push('-f', path.join(ROOT, f));
  return args;
}

function helmRender(config: Config, build: Build): K8sObject[] {
  const releases: Config[] = config.deploy.helm.releases;
  return releases.flatMap((r) => parseDocs(runOk('helm', helmArgs(config, r, build))));
}

// ---------------------------------------------------------------------------
// Kubernetes helpers
// ---------------------------------------------------------------------------

const key = (o: K8sObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const component = (o: K8sObject): string | undefined => o.metadata.labels?.['app.kubernetes.io/component'];

function podLabels(o: K8sObject): Record<string, string> {
  return o.spec?.template?.metadata?.labels ?? {};
}

const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

/** The container port a Service port reaches on the pods it selects. */
function containerPortsBehind(service: K8sObject, port: number, objects: K8sObject[]): number[] {
  const sp = service.spec.ports.find((p: any) => p.port === port);
  if (!sp) return [];
  const target = sp.targetPort ?? sp.port;
  return objects
    .filter((o) => podSpecs(o).length > 0 && selects(service.spec.selector ?? {}, podLabels(o)))
    .flatMap((o) => podSpecs(o).flatMap((s) => s.containers.flatMap((c: any) => c.ports ?? [])))
    .filter((p: any) => (typeof target === 'number' ? p.containerPort === target : p.name === target))
    .map((p: any) => p.containerPort as number);
}

// ---------------------------------------------------------------------------

const text = fs.readFileSync(SKAFFOLD_FILE, 'utf8');
const configs = loadConfigs(text);
const devValues = YAML.parse(fs.readFileSync(path.join(ROOT, 'charts', 'kryptovault', 'ci', 'dev-values.yaml'), 'utf8'));
/** Every object of k8s/dev, all files, in `kubectl apply -f k8s/dev/` order. */
const committedDev = fs
  .readdirSync(DEV_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .flatMap((f) => parseDocs(fs.readFileSync(path.join(DEV_DIR, f), 'utf8')));

/** Builds as the deployer sees them: a local build for kind (tag = image ID, no digest) and a pushed one. */
const LOCAL_BUILD: Build = { tag: `kryptovault:${crypto.createHash('sha256').update('kryptovault').digest('hex')}` };
const PUSHED_BUILD: Build = { tag: `registry.example/kryptovault:v1.2.3@sha256:${crypto.createHash('sha256').update('pushed').digest('hex')}` };

const RUNS: Array<[string, Run]> = [
  ['skaffold run', {}],
  ['skaffold dev', { command: 'dev' }],
  ['skaffold dev -p observability', { command: 'dev', profiles: ['observability'] }],
];

describe('skaffold.yaml: schema', () => {
  test(`every config is valid against skaffold's ${SCHEMA_VERSION} schema and declares that apiVersion`, () => {
    expect(configs.length).toBeGreaterThan(0);
    for (const c of configs) {
      expect(c.apiVersion).toBe(`skaffold/${SCHEMA_VERSION}`);
      expect(c.kind).toBe('Config');
      expect(schemaErrors(c)).toEqual([]);
    }
  });

  test.each(RUNS)('with the profiles of `%s` applied, every config is still schema-valid', (_name, run) => {
    for (const c of effective(configs, run)) expect(schemaErrors(c)).toEqual([]);
  });

  test('the vendored schema rejects what skaffold rejects (the validation is not vacuous)', () => {
    const app = structuredClone(byName(configs, APP_CONFIG));
    expect(schemaErrors({ ...app, deploy: { helm: { releases: [{ ...app.deploy.helm.releases[0], valueFiles: ['x.yaml'] }] } } }).join('\n')).toContain('valueFiles');
    expect(schemaErrors({ ...app, build: { ...app.build, local: { push: 'no' } } }).join('\n')).toContain('/build/local/push');
    expect(schemaErrors({ ...app, portForward: [{ resourceType: 'service', resourceName: 'x', port: 80, localport: 3000 }] }).join('\n')).toContain('localport');
  });

  test('config names are unique; profile names are unique per config', () => {
    const names = configs.map((c) => c.metadata?.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain(APP_CONFIG);
    for (const c of configs) {
      const p = (c.profiles ?? []).map((x: Config) => x.name);
      expect(new Set(p).size).toBe(p.length);
    }
  });

  test('every profile patch applies to its config', () => {
    for (const c of configs) {
      for (const p of c.profiles ?? []) {
        expect(() => effective([c], { profiles: [p.name] })).not.toThrow();
      }
    }
  });
});

describe.each(RUNS)('skaffold.yaml as `%s`', (_name, run) => {
  // Computed in beforeAll so a broken file fails each test with the reason, not the whole suite.
  let eff: Config[];
  let app: Config;
  let companionsConfigs: Config[];
  let companions: K8sObject[];
  beforeAll(() => {
    eff = effective(configs, run);
    app = byName(eff, APP_CONFIG);
    companionsConfigs = eff.filter((c) => c !== app);
    companions = companionsConfigs.flatMap(renderedRawManifests);
  });
  const observability = (run.profiles ?? []).includes('observability');

  test('every path it names exists: Dockerfile and context, chart, values files, raw manifests', () => {
    const missing: string[] = [];
    const need = (p: string, kind: 'file' | 'dir') => {
      const abs = path.join(ROOT, p);
      if (!fs.existsSync(abs) || (kind === 'dir') !== fs.statSync(abs).isDirectory()) missing.push(`${kind} ${p}`);
    };
    for (const c of eff) {
      for (const a of c.build?.artifacts ?? []) {
        need(a.context ?? '.', 'dir');
        need(path.join(a.context ?? '.', a.docker?.dockerfile ?? 'Dockerfile'), 'file');
      }
      for (const r of c.deploy?.helm?.releases ?? []) {
        need(r.chartPath, 'dir');
        need(path.join(r.chartPath, 'Chart.yaml'), 'file');
        for (const f of r.valuesFiles ?? []) need(f, 'file');
      }
      for (const f of c.manifests?.rawYaml ?? []) need(f, 'file');
    }
    expect(missing).toEqual([]);
  });

  test('the companions come before the app (skaffold deploys configs in file order) and deploy with kubectl', () => {
    const order = eff.map((c) => c.metadata.name);
    for (const c of companionsConfigs) {
      expect(order.indexOf(c.metadata.name)).toBeLessThan(order.indexOf(APP_CONFIG));
      expect(c.deploy).toHaveProperty('kubectl');
      expect(c.build).toBeUndefined();
    }
  });

  test('the companions are the dev namespace, Secret and PostgreSQL (+ collector and Prometheus with -p observability), never the app', () => {
    const wanted = ['namespace', 'dev-secrets', 'postgres', ...(observability ? ['otel-collector', 'prometheus'] : [])];
    expect([...new Set(companions.map(component))].sort()).toEqual([...wanted].sort());
    // Exactly the committed k8s/dev objects of those components, unchanged.
    const expected = committedDev.filter((o) => wanted.includes(component(o)!));
    expect(companions.map(key).sort()).toEqual(expected.map(key).sort());
    expect(companions).toEqual(expected);
    expect(companions.map(key)).toEqual(expect.arrayContaining(['Namespace//kryptovault-dev', 'Secret/kryptovault-dev/kryptovault-secrets', 'StatefulSet/kryptovault-dev/kryptovault-postgres', 'Service/kryptovault-dev/kryptovault-postgres']));
    if (observability) {
      expect(companions.map(key)).toEqual(expect.arrayContaining(['Deployment/kryptovault-dev/kryptovault-otel-collector', 'Service/kryptovault-dev/kryptovault-otel-collector', 'Deployment/kryptovault-dev/kryptovault-prometheus', 'Service/kryptovault-dev/kryptovault-prometheus']));
    } else {
      expect(companions.filter((o) => ['otel-collector', 'prometheus'].includes(component(o)!))).toEqual([]);
    }
  });

  test('the companion files hold companions only: the app is in k8s/dev/kryptovault.yaml, which skaffold does not list', () => {
    const files: string[] = companionsConfigs.flatMap((c) => c.manifests.rawYaml);
    expect(files).not.toContain('k8s/dev/kryptovault.yaml');
    const app = parseDocs(fs.readFileSync(path.join(DEV_DIR, 'kryptovault.yaml'), 'utf8'));
    expect(app.filter((o) => ['namespace', 'dev-secrets', 'postgres', 'otel-collector', 'prometheus'].includes(component(o)!))).toEqual([]);
  });

  test('build: one local artifact (not pushed: kind loads it) named as the dev values deploy it, with a context holding what the Dockerfile copies', () => {
    expect(app.build.artifacts).toHaveLength(1);
    const a = app.build.artifacts[0];
    expect(a.image).toBe(devValues.image.repository);
    expect(app.build.local.push).toBe(false);
    const context = path.join(ROOT, a.context);
    const dockerfile = fs.readFileSync(path.join(context, a.docker.dockerfile), 'utf8');
    const copies = dockerfile.split('\n').filter((l) => /^COPY\s/.test(l) && !/--from=/.test(l));
    expect(copies.length).toBeGreaterThan(0);
    for (const line of copies) {
      const parts = line.trim().split(/\s+/).slice(1).filter((p) => !p.startsWith('--'));
      for (const src of parts.slice(0, -1)) expect([src, fs.existsSync(path.join(context, src))]).toEqual([src, true]);
    }
  });

  test.each([
    ['a local build for kind (tag = image ID, no digest)', LOCAL_BUILD],
    ['a pushed build (tag and digest)', PUSHED_BUILD],
  ])('the chart renders with %s (its schema and rules accept the values) and every pod runs the built image', (_b, build) => {
    const objects = helmRender(app, build);
    const images = new Set(objects.flatMap((o) => podSpecs(o).flatMap((s) => s.containers.map((c: any) => c.image))));
    expect([...images]).toEqual([build.tag]);
  });

  describe('helm release', () => {
    let objects: K8sObject[];
    let release: Config;
    let all: K8sObject[];
    beforeAll(() => {
      objects = helmRender(app, LOCAL_BUILD);
      release = app.deploy.helm.releases[0];
      all = [...companions, ...objects];
    });

    test('the release uses the dev values, the names k8s/dev uses and the companions namespace', () => {
      expect(release.valuesFiles).toContain('charts/kryptovault/ci/dev-values.yaml');
      const namespaces = companions.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
      expect(namespaces).toEqual([release.namespace]);
      expect(release.createNamespace).not.toBe(true);
      for (const o of objects) expect([key(o), o.metadata.namespace]).toEqual([key(o), release.namespace]);
      // The app objects are exactly those of k8s/dev (same kinds and names), now owned by helm.
      const appOfDev = committedDev.filter((o) => !['namespace', 'dev-secrets', 'postgres', 'otel-collector', 'prometheus'].includes(component(o)!));
      const helmApp = objects.filter((o) => !o.metadata.annotations?.['helm.sh/hook']?.includes('test'));
      expect(helmApp.map(key).sort()).toEqual(appOfDev.map(key).sort());
    });

    test('nothing is deployed twice (helm refuses objects it does not own)', () => {
      const companionKeys = new Set(companions.map(key));
      expect(objects.map(key).filter((k) => companionKeys.has(k))).toEqual([]);
    });

    test('every Secret key the pods read is in the companions Secret, and DATABASE_URL names the companion PostgreSQL', () => {
      const refs = objects.flatMap((o) => podSpecs(o).flatMap((s) => s.containers.flatMap((c: any) => (c.env ?? []).filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => e.valueFrom.secretKeyRef))));
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs) {
        const secret = all.find((o) => o.kind === 'Secret' && o.metadata.name === ref.name);
        expect([ref.name, secret ? 'found' : 'missing']).toEqual([ref.name, 'found']);
        expect({ ...secret!.data, ...secret!.stringData }).toHaveProperty([ref.key]);
      }
      const secret = companions.find((o) => o.kind === 'Secret')!;
      const url = new URL(secret.stringData.DATABASE_URL);
      const db = companions.find((o) => o.kind === 'Service' && o.metadata.name === url.hostname)!;
      expect(db).toBeDefined();
      expect(containerPortsBehind(db, Number(url.port), companions)).toEqual([Number(url.port)]);
    });

    test('the companions wait for PostgreSQL before the chart (its migration hook needs the database)', () => {
      const migration = objects.find((o) => o.kind === 'Job' && component(o) === 'migrate')!;
      expect(migration.metadata.annotations['helm.sh/hook']).toContain('pre-install');
      const hooks: string[] = companionsConfigs.flatMap((c) => (c.deploy.kubectl.hooks?.after ?? []).map((h: any) => h.host.command.join(' ')));
      const sts = companions.find((o) => o.kind === 'StatefulSet' && component(o) === 'postgres')!;
      expect(hooks.some((h) => h.includes(`rollout status statefulset/${sts.metadata.name}`) && h.includes(`--namespace ${sts.metadata.namespace}`))).toBe(true);
    });

    test('tracing goes to the collector only when the collector is deployed', () => {
      const endpoint: string = objects.find((o) => o.kind === 'ConfigMap' && component(o) === 'config')!.data.OTEL_EXPORTER_OTLP_ENDPOINT;
      if (!observability) {
        expect(endpoint).toBe('');
        return;
      }
      const url = new URL(endpoint);
      const collector = companions.find((o) => o.kind === 'Service' && o.metadata.name === url.hostname)!;
      expect(collector).toBeDefined();
      expect(component(collector)).toBe('otel-collector');
      expect(collector.spec.ports.map((p: any) => p.port)).toContain(Number(url.port));
      expect(containerPortsBehind(collector, Number(url.port), companions)).toEqual([Number(url.port)]);
    });

    test(`the API port-forward reaches the API container on ${HTTP_PORT} through a Service that exists (helm release and k8s/dev)`, () => {
      const forwards: Config[] = app.portForward;
      const api = forwards.find((f) => f.resourceName.endsWith('-api'))!;
      expect(api).toMatchObject({ resourceType: expect.stringMatching(/^service$/i), namespace: release.namespace, localPort: HTTP_PORT });
      for (const source of [objects, committedDev]) {
        const svc = source.find((o) => o.kind === 'Service' && o.metadata.name === api.resourceName && o.metadata.namespace === api.namespace)!;
        expect(svc).toBeDefined();
        expect(svc.spec.ports.map((p: any) => p.port)).toContain(api.port);
        expect(containerPortsBehind(svc, api.port, source)).toEqual([HTTP_PORT]);
        const behind = source.filter((o) => podSpecs(o).length > 0 && selects(svc.spec.selector, podLabels(o)));
        expect(behind.map((o) => `${o.kind}/${component(o)}`)).toEqual(['Deployment/api']);
      }
    });

    test('with -p observability, Prometheus is forwarded to a Service the companions deploy', () => {
      const forwards: Config[] = eff.flatMap((c) => c.portForward ?? []);
      const prom = forwards.filter((f) => f.resourceName.includes('prometheus'));
      if (!observability) {
        expect(prom).toEqual([]);
        return;
      }
      expect(prom).toHaveLength(1);
      const svc = companions.find((o) => o.kind === 'Service' && o.metadata.name === prom[0].resourceName && o.metadata.namespace === prom[0].namespace)!;
      expect(svc).toBeDefined();
      expect(containerPortsBehind(svc, prom[0].port, companions)).toEqual([prom[0].port]);
    });
  });
});

describe('skaffold.yaml: the dev profile', () => {
  test('exists and activates itself for `skaffold dev` (npm run dev), not for run/render', () => {
    expect((byName(configs, APP_CONFIG).profiles ?? []).map((p: Config) => p.name)).toContain('dev');
    const devArtifact = byName(effective(configs, { command: 'dev' }), APP_CONFIG).build.artifacts[0];
    const runArtifact = byName(effective(configs, { command: 'run' }), APP_CONFIG).build.artifacts[0];
    expect(devArtifact.sync).toBeDefined();
    expect(runArtifact.sync).toBeUndefined();
  });

  test('its sync rules cover the TypeScript sources under Backend/src', () => {
    const a = byName(effective(configs, { command: 'dev' }), APP_CONFIG).build.artifacts[0];
    const patterns: string[] = [...(a.sync.infer ?? []), ...(a.sync.manual ?? []).map((r: Config) => r.src)];
    const toRegExp = (glob: string) => new RegExp(`^${glob.split('**/').map((part) => part.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')).join('(?:.*/)?')}$`);
    const sources = fs.readdirSync(path.join(ROOT, a.context, 'Backend', 'src'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => path.posix.join('Backend/src', f.split(path.sep).join('/')));
    expect(sources.length).toBeGreaterThan(0);
    const unmatched = sources.filter((s) => !patterns.some((p) => toRegExp(p).test(s)));
    expect(unmatched).toEqual([]);
    expect(patterns.some((p) => toRegExp(p).test('Backend/package.json'))).toBe(false);
  });

  test('it infers (never forces) destinations: the runtime stage copies nothing from the context, so a change rebuilds, as the comment says', () => {
    const a = byName(effective(configs, { command: 'dev' }), APP_CONFIG).build.artifacts[0];
    // Manual rules into the runtime image would try to write into a read-only root filesystem
    // and, failing, leave the old code running; inferred ones fall back to a rebuild.
    expect(a.sync.manual ?? []).toEqual([]);
    const dockerfile = fs.readFileSync(path.join(ROOT, a.context, a.docker.dockerfile), 'utf8');
    const stages = dockerfile.split(/^FROM\s/m);
    const runtime = stages[stages.length - 1];
    const copies = runtime.split('\n').filter((l) => /^(COPY|ADD)\s/.test(l));
    expect(copies.length).toBeGreaterThan(0);
    expect(copies.filter((l) => !/--from=/.test(l))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// The real skaffold, when one is installed (never built by the tests)
// ---------------------------------------------------------------------------

function findSkaffold(): string | undefined {
  const candidates = [
    process.env.KRYPTOVAULT_SKAFFOLD,
    path.join(path.dirname(toolPathOrUndefined('helm') ?? path.join(ROOT, '.tools', 'bin', 'helm')), 'skaffold'),
    path.join(os.homedir(), '.cache', 'kryptovault-tools', 'bin', 'skaffold'),
  ];
  return candidates.find((c): c is string => !!c && fs.existsSync(c));
}

function toolPathOrUndefined(name: 'helm'): string | undefined {
  try {
    return toolPath(name);
  } catch {
    return undefined;
  }
}

const SKAFFOLD = findSkaffold();
const describeWithSkaffold = SKAFFOLD ? describe : describe.skip;

describeWithSkaffold('skaffold.yaml with the real skaffold binary', () => {
  let env: NodeJS.ProcessEnv;
  const skaffold = (args: string[]) => execFileSync(SKAFFOLD!, [...args, '--update-check=false'], { cwd: ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });

  beforeAll(() => {
    env = {
      ...process.env,
      // helm from .tools/bin.
      PATH: [path.dirname(toolPath('helm')), path.dirname(process.execPath), process.env.PATH].join(path.delimiter),
      // skaffold's global config (~/.skaffold) in a throwaway home, with usage metrics off.
      HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'kv-skaffold-home-')),
    };
    execFileSync(SKAFFOLD!, ['config', 'set', '--global', 'collect-metrics', 'false'], { env, stdio: 'ignore' });
  });

  test.each([[[] as string[]], [['-p', 'observability']]])('skaffold diagnose --yaml-only %j: skaffold parses every config, with the profile applied as this test applies it', (profileArgs) => {
    const out = loadConfigs(skaffold(['diagnose', '--yaml-only', ...profileArgs]));
    expect(out.map((c) => c.metadata.name)).toEqual(configs.map((c) => c.metadata.name));
    const mine = effective(configs, { profiles: profileArgs.slice(1) });
    const theirs = byName(out, APP_CONFIG).deploy.helm.releases[0];
    expect(theirs.setValues).toEqual(byName(mine, APP_CONFIG).deploy.helm.releases[0].setValues);
    // skaffold reports the raw manifests as absolute paths.
    expect(out[0].manifests.rawYaml.map((f: string) => path.relative(ROOT, path.resolve(ROOT, f)))).toEqual(mine[0].manifests.rawYaml);
    expect(out.flatMap((c) => c.portForward ?? []).map((f: Config) => `${f.resourceName}:${f.port}->${f.localPort}`).sort())
      .toEqual(mine.flatMap((c) => c.portForward ?? []).map((f: Config) => `${f.resourceName}:${f.port}->${f.localPort}`).sort());
  });

  test.each([[[] as string[]], [['-p', 'observability']]])('skaffold render --offline %j: the companions, then the chart with the built image, nothing twice', (profileArgs) => {
    // --digest-source=tag: the image reference from skaffold's tagger, without building (no Docker here).
    const objects = parseDocs(skaffold(['render', '--offline', '--digest-source=tag', ...profileArgs]));
    const keys = objects.map(key);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
    const eff = effective(configs, { profiles: profileArgs.slice(1) });
    const companions = eff.filter((c) => c.metadata.name !== APP_CONFIG).flatMap(renderedRawManifests);
    expect(keys.slice(0, companions.length).sort()).toEqual(companions.map(key).sort());
    const api = objects.find((o) => o.kind === 'Deployment' && component(o) === 'api')!;
    expect(api.metadata.labels['app.kubernetes.io/managed-by']).toBe('Helm');
    const appImages = new Set(objects.filter((o) => !companions.some((c) => key(c) === key(o))).flatMap((o) => podSpecs(o).flatMap((s) => s.containers.map((c: any) => c.image))));
    expect([...appImages]).toEqual([expect.stringMatching(/^kryptovault:[A-Za-z0-9_][A-Za-z0-9_.-]*$/)]);
  });

  it('renders at a commit whose short hash is all digits (helm would read the tag as a number)', () => {
    const clone = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-skaffold-digits-'));
    try {
      const git = (...args: string[]) => execFileSync('git', args, { cwd: clone, encoding: 'utf8' }).trim();
      execFileSync('git', ['clone', '--quiet', ROOT, clone]);
      git('config', 'user.email', 'test@kryptovault.test');
      git('config', 'user.name', 'test');
      // What skaffold reads, from this working tree (committed: a dirty tree's tag ends in -dirty).
      for (const entry of ['skaffold.yaml', 'charts', 'k8s']) {
        fs.rmSync(path.join(clone, entry), { recursive: true, force: true });
        fs.cpSync(path.join(ROOT, entry), path.join(clone, entry), { recursive: true });
      }
      git('add', '-A');
      git('commit', '--quiet', '--allow-empty', '-m', 'the working tree');
      // About 1 in 27 short hashes are all digits.
      for (let i = 0; i < 2000 && !/^\d+$/.test(git('rev-parse', '--short', 'HEAD')); i++) git('commit', '--quiet', '--allow-empty', '-m', `digits ${i}`);
      const hash = git('rev-parse', '--short', 'HEAD');
      expect(hash).toMatch(/^\d+$/);
      const out = execFileSync(SKAFFOLD!, ['render', '--offline', '--digest-source=tag', '--update-check=false'], { cwd: clone, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
      const api = parseDocs(out).find((o) => o.kind === 'Deployment' && component(o) === 'api')!;
      expect(api.spec.template.spec.containers[0].image).toBe(`kryptovault:git-${hash}`);
    } finally {
      fs.rmSync(clone, { recursive: true, force: true });
    }
  });
});
