/**
 * The generated manifests (k8s/) and the Helm chart against a real kube-apiserver,
 * controller-manager and scheduler, with kwok faking the node (tools/cluster/cluster.sh).
 * No container runs: this proves what the API server admits (schemas, Pod Security
 * `restricted`, defaulting), what controllers do with it (Jobs complete, Deployments
 * roll out and roll back) and helm's hook ordering. Images, probes and networking are
 * the chart workflow's job on kind (docs/testing.md). Outcomes only, no timings.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import {
  CHART_DIR,
  createReleaseSecret,
  createRestrictedNamespace,
  deleteNamespace,
  getJson,
  helm,
  helmOk,
  kubectl,
  kubectlOk,
  DEV_VALUES,
  Obj,
  REPO_ROOT,
} from './helpers';

function docs(file: string): Obj[] {
  return parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map((d) => d.toJSON() as Obj | null)
    .filter((o): o is Obj => !!o && typeof o.kind === 'string');
}

describe.each(['production', 'dev'])('k8s/%s against the API server', (variant) => {
  const dir = path.join(REPO_ROOT, 'k8s', variant);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  const namespaceFile = path.join(dir, '00-namespace.yaml');
  const namespace = docs(namespaceFile)[0].metadata.name as string;

  afterAll(() => deleteNamespace(namespace));

  test('00-namespace.yaml applies and the namespace enforces the restricted Pod Security Standard', () => {
    expect(files[0]).toBe('00-namespace.yaml');
    kubectlOk(['apply', '-f', namespaceFile]);
    const ns = getJson(['namespace', namespace]);
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test('every other file, in order, passes a server-side dry-run with no Pod Security warning', () => {
    const rest = files.filter((f) => f !== '00-namespace.yaml');
    expect(rest).toContain('kryptovault.yaml');
    for (const f of rest) {
      const file = path.join(dir, f);
      const r = kubectl(['apply', '--server-side', '--dry-run=server', '-f', file]);
      if (r.status !== 0) throw new Error(`${variant}/${f}: ${r.stderr}\n${r.stdout}`);
      // One "(server dry run)" line per object in the file: every object was admitted.
      const lines = r.stdout.split('\n').filter((l) => l.includes('(server dry run)'));
      expect(lines).toHaveLength(docs(file).length);
      // kubectl prints admission warnings on stderr; exec() only keeps stderr on failure, so re-check.
      const warn = kubectl(['apply', '--server-side', '--dry-run=server', '-f', file, '--warnings-as-errors']);
      expect({ file: f, status: warn.status, stderr: warn.stderr }).toEqual({ file: f, status: 0, stderr: '' });
    }
  });
});

describe('helm install | upgrade | rollback of charts/kryptovault with ci/dev-values.yaml', () => {
  const ns = `kv-helm-${process.pid}`;
  const release = 'kryptovault';
  const values = parse(fs.readFileSync(DEV_VALUES, 'utf8')) as Obj;
  const apiDeployment = `${release}-api`;
  const apiImage = (tag: string) => `${values.image.repository}:${tag}`;

  beforeAll(() => {
    createRestrictedNamespace(ns);
    expect(createReleaseSecret(ns, release, values)).toEqual(expect.arrayContaining(['DATABASE_URL', 'JWT_SECRET']));
  });

  afterAll(() => {
    helm(['uninstall', release, '-n', ns, '--wait', '--timeout', '2m']);
    deleteNamespace(ns);
  });

  test('install: the migration hook Job completes before the Deployment exists, and everything is admitted', () => {
    helmOk(['install', release, CHART_DIR, '-n', ns, '-f', DEV_VALUES, '--wait', '--timeout', '4m']);

    const job = getJson(['job', '-n', ns, '-l', 'app.kubernetes.io/component=migrate']).items as Obj[];
    expect(job).toHaveLength(1);
    expect(job[0].metadata.annotations['helm.sh/hook']).toContain('pre-install');
    expect(job[0].status.succeeded).toBe(1);
    const deployment = getJson(['deployment', apiDeployment, '-n', ns]);
    const t = (s: string) => Date.parse(s);
    // Second resolution on both: completion no later than the Deployment's creation.
    expect(t(job[0].metadata.creationTimestamp)).toBeLessThanOrEqual(t(job[0].status.completionTime));
    expect(t(job[0].status.completionTime)).toBeLessThanOrEqual(t(deployment.metadata.creationTimestamp));

    // Every object of the release manifest exists in the cluster.
    const manifest = parseAllDocuments(helmOk(['get', 'manifest', release, '-n', ns]))
      .map((d) => d.toJSON() as Obj | null)
      .filter((o): o is Obj => !!o && typeof o.kind === 'string');
    expect(manifest.length).toBeGreaterThan(5);
    for (const o of manifest) {
      const got = getJson([`${o.kind.toLowerCase()}.${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}`.replace(/\.$/, ''), o.metadata.name, '-n', ns]);
      expect(got.metadata.name).toBe(o.metadata.name);
    }
    expect(JSON.parse(helmOk(['status', release, '-n', ns, '-o', 'json'])).info.status).toBe('deployed');
  });

  test('every Deployment rolls out (kwok marks the pods Ready) under restricted Pod Security', () => {
    const deployments = getJson(['deployment', '-n', ns]).items as Obj[];
    expect(deployments.map((d) => d.metadata.name)).toContain(apiDeployment);
    for (const d of deployments) {
      kubectlOk(['rollout', 'status', `deployment/${d.metadata.name}`, '-n', ns, '--timeout=120s']);
    }
    const pods = getJson(['pods', '-n', ns, '-l', 'app.kubernetes.io/component=api']).items as Obj[];
    expect(pods.length).toBe(values.api.replicaCount);
    for (const p of pods) expect(p.spec.containers[0].image).toBe(apiImage(values.image.tag));
  });

  test('the CronJobs exist with the schedules of the values and are not suspended', () => {
    const expected: Record<string, Obj> = {
      [`${release}-deposit-monitor`]: values.depositMonitor,
      [`${release}-earnings`]: values.earnings,
      [`${release}-email-sender`]: values.emailSender,
      [`${release}-housekeeping`]: values.housekeeping,
    };
    const cronJobs = getJson(['cronjob', '-n', ns]).items as Obj[];
    expect(cronJobs.map((c) => c.metadata.name).sort()).toEqual(Object.keys(expected).sort());
    for (const c of cronJobs) {
      expect({ name: c.metadata.name, schedule: c.spec.schedule, suspend: c.spec.suspend }).toEqual({
        name: c.metadata.name,
        schedule: expected[c.metadata.name].schedule,
        suspend: false,
      });
    }
  });

  test('helm test: the test hook pod is admitted and completes', () => {
    // Under kwok the pod "succeeds" without running (tools/cluster adds a stage for bare pods).
    helmOk(['test', release, '-n', ns, '--timeout', '2m']);
  });

  test('upgrade with a new image tag creates a new ReplicaSet revision; rollout undo returns to the old image', () => {
    helmOk(['upgrade', release, CHART_DIR, '-n', ns, '-f', DEV_VALUES, '--set', 'image.tag=cluster-test-2', '--wait', '--timeout', '4m']);
    const revision = (d: Obj) => d.metadata.annotations['deployment.kubernetes.io/revision'];
    let dep = getJson(['deployment', apiDeployment, '-n', ns]);
    expect(revision(dep)).toBe('2');
    expect(dep.spec.template.spec.containers[0].image).toBe(apiImage('cluster-test-2'));
    const rsImages = (getJson(['replicaset', '-n', ns, '-l', 'app.kubernetes.io/component=api']).items as Obj[]).map((rs) => [
      rs.metadata.annotations['deployment.kubernetes.io/revision'],
      rs.spec.template.spec.containers[0].image,
    ]);
    expect(rsImages.sort()).toEqual([
      ['1', apiImage(values.image.tag)],
      ['2', apiImage('cluster-test-2')],
    ]);
    // The pre-upgrade migration hook ran again and completed.
    const jobs = getJson(['job', '-n', ns, '-l', 'app.kubernetes.io/component=migrate']).items as Obj[];
    expect(jobs).toHaveLength(1);
    expect(jobs[0].spec.template.spec.containers[0].image).toBe(apiImage('cluster-test-2'));
    expect(jobs[0].status.succeeded).toBe(1);

    kubectlOk(['rollout', 'undo', `deployment/${apiDeployment}`, '-n', ns]);
    kubectlOk(['rollout', 'status', `deployment/${apiDeployment}`, '-n', ns, '--timeout=120s']);
    dep = getJson(['deployment', apiDeployment, '-n', ns]);
    expect(dep.spec.template.spec.containers[0].image).toBe(apiImage(values.image.tag));
    expect(revision(dep)).toBe('3');
  });

  test('the next helm upgrade reconciles after a rollout undo: the same values bring the newer image back (three-way merge with the live object)', () => {
    // After the undo the live Deployment runs the old image while the release records cluster-test-2.
    expect(getJson(['deployment', apiDeployment, '-n', ns]).spec.template.spec.containers[0].image).toBe(apiImage(values.image.tag));
    helmOk(['upgrade', release, CHART_DIR, '-n', ns, '-f', DEV_VALUES, '--set', 'image.tag=cluster-test-2', '--wait', '--timeout', '4m']);
    kubectlOk(['rollout', 'status', `deployment/${apiDeployment}`, '-n', ns, '--timeout=120s']);
    const dep = getJson(['deployment', apiDeployment, '-n', ns]);
    expect(dep.spec.template.spec.containers[0].image).toBe(apiImage('cluster-test-2'));
    expect(dep.metadata.annotations['deployment.kubernetes.io/revision']).toBe('4');
  });

  test('kubectl create job --from=cronjob/<deposit monitor> creates a Job that completes', () => {
    const job = `${release}-deposit-monitor-manual`;
    kubectlOk(['create', 'job', `--from=cronjob/${release}-deposit-monitor`, job, '-n', ns]);
    kubectlOk(['wait', `job/${job}`, '-n', ns, '--for=condition=complete', '--timeout=120s']);
    const got = getJson(['job', job, '-n', ns]);
    expect(got.status.succeeded).toBe(1);
    expect(got.spec.template.spec.containers[0].command).toEqual(['node', 'dist/workers/deposit-monitor.js']);
  });

  test('helm rollback to revision 1 works and helm history shows every revision', () => {
    helmOk(['rollback', release, '1', '-n', ns, '--wait', '--timeout', '4m']);
    const history = JSON.parse(helmOk(['history', release, '-n', ns, '-o', 'json'])) as Obj[];
    expect(history.map((h) => [h.revision, h.status])).toEqual([
      [1, 'superseded'],
      [2, 'superseded'],
      [3, 'superseded'],
      [4, 'deployed'],
    ]);
    expect(history[3].description).toBe('Rollback to 1');
    const automation = getJson(['deployment', '-n', ns]).items as Obj[];
    for (const d of automation) {
      expect(d.spec.template.spec.containers[0].image).toBe(apiImage(values.image.tag));
      kubectlOk(['rollout', 'status', `deployment/${d.metadata.name}`, '-n', ns, '--timeout=120s']);
    }
  });
});

describe('a failing migration hook and a second release', () => {
  const release = 'kryptovault';
  const values = parse(fs.readFileSync(DEV_VALUES, 'utf8')) as Obj;
  const nsA = `kv-atomic-${process.pid}`;
  const nsB = `kv-second-${process.pid}`;

  beforeAll(() => {
    for (const ns of [nsA, nsB]) {
      createRestrictedNamespace(ns);
      createReleaseSecret(ns, release, values);
    }
    helmOk(['install', release, CHART_DIR, '-n', nsA, '-f', DEV_VALUES, '--wait', '--timeout', '4m']);
  });
  afterAll(() => {
    for (const ns of [nsA, nsB]) {
      helm(['uninstall', release, '-n', ns, '--wait', '--timeout', '2m']);
      deleteNamespace(ns);
    }
  });

  test('helm upgrade --atomic whose migration hook fails (its container exits 1) fails and leaves the previous release serving', () => {
    // kwok's chaos stage (tools/cluster) fails a running pod carrying this label with exit code 1:
    // the upgrade's migration container "errors". Only the hook's pod exists with it: a failed
    // pre-upgrade hook stops the upgrade before any Deployment changes.
    const failing = 'podLabels.pod-container-running-failed\\.stage\\.kwok\\.x-k8s\\.io=true';
    const r = helm(['upgrade', release, CHART_DIR, '-n', nsA, '-f', DEV_VALUES, '--set', 'image.tag=never-served', '--set-string', failing, '--atomic', '--timeout', '2m']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/pre-upgrade hooks failed|BackoffLimitExceeded|failed/i);
    // The hook Job of the failed upgrade is kept (before-hook-creation): it failed, its pod exited 1.
    const job = getJson(['job', `${release}-migrate`, '-n', nsA]);
    expect(job.spec.template.spec.containers[0].image).toBe(`${values.image.repository}:never-served`);
    expect(job.status.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Failed', status: 'True' })]));
    const pods = getJson(['pod', '-n', nsA, '-l', `job-name=${release}-migrate`]).items as Obj[];
    expect(pods.length).toBeGreaterThan(0);
    for (const pod of pods) expect(pod.status.containerStatuses[0].state.terminated.exitCode).toBe(1);
    const history = JSON.parse(helmOk(['history', release, '-n', nsA, '-o', 'json'])) as Obj[];
    expect(history[history.length - 1].status).toBe('deployed');
    expect(history.some((h) => h.status === 'failed')).toBe(true);
    const api = getJson(['deployment', `${release}-api`, '-n', nsA]);
    expect(api.spec.template.spec.containers[0].image).toBe(`${values.image.repository}:${values.image.tag}`);
    expect(api.metadata.annotations['deployment.kubernetes.io/revision']).toBe('1');
    kubectlOk(['rollout', 'status', `deployment/${release}-api`, '-n', nsA, '--timeout=120s']);
  });

  test('a second release in another namespace installs beside the first; helm uninstall leaves only the hook objects docs/kubernetes.md names', () => {
    helmOk(['install', release, CHART_DIR, '-n', nsB, '-f', DEV_VALUES, '--wait', '--timeout', '4m']);
    for (const ns of [nsA, nsB]) kubectlOk(['rollout', 'status', `deployment/${release}-api`, '-n', ns, '--timeout=120s']);
    helmOk(['uninstall', release, '-n', nsB, '--wait', '--timeout', '2m']);
    const left = (getJson(['all,configmap,secret,serviceaccount,role,rolebinding,networkpolicy,pdb,ingress', '-n', nsB, '-l', `app.kubernetes.io/instance=${release}`]).items as Obj[])
      .map((o) => `${o.kind}/${o.metadata.name}`)
      .sort();
    // Helm keeps hook resources whose delete policy is before-hook-creation: the last
    // migration run, for its logs (and the Secret, which the chart never owns).
    expect(left.filter((k) => !k.startsWith('Pod/'))).toEqual([`ConfigMap/${release}-migrate`, `Job/${release}-migrate`, `ServiceAccount/${release}-migrate`]);
    // The first release is untouched.
    expect(JSON.parse(helmOk(['status', release, '-n', nsA, '-o', 'json'])).info.status).toBe('deployed');
  });
});
