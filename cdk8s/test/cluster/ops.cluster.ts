/**
 * The ops CLI (ops/, `npm run ops -- <command>`) against a release installed on the harness:
 * each command's effect is read back with kubectl, and each wrong target gets a message
 * naming what exists. The CLI runs as users run it: `node ops/dist/cli.js` (built by
 * `npm run test:cluster`) with a kubeconfig.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import {
  CHART_DIR,
  createReleaseSecret,
  createRestrictedNamespace,
  deleteNamespace,
  DEV_VALUES,
  getJson,
  helm,
  helmOk,
  KUBECONFIG,
  kubectlOk,
  Obj,
  REPO_ROOT,
} from './helpers';

const CLI = path.join(REPO_ROOT, 'ops', 'dist', 'cli.js');

describe('npm run ops against a release on the harness', () => {
  const ns = `kv-ops-${process.pid}`;
  // The CLI's default release name, so the defaults are what this release is found by.
  const release = 'kryptovault';
  const values = parse(fs.readFileSync(DEV_VALUES, 'utf8')) as Obj;
  const image = (tag: string) => `${values.image.repository}:${tag}`;
  // A copy of the harness kubeconfig whose current context defaults to the test namespace.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-ops-'));
  const kubeconfig = path.join(dir, 'kubeconfig');

  function ops(args: string[]): { status: number; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, KUBECONFIG: kubeconfig }, timeout: 240_000 });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }
  function opsJson(args: string[]): Obj {
    const r = ops([...args, '--output', 'json']);
    if (r.status !== 0) throw new Error(`ops ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return JSON.parse(r.stdout) as Obj;
  }

  beforeAll(() => {
    expect(fs.existsSync(CLI)).toBe(true);
    const config = parse(fs.readFileSync(KUBECONFIG, 'utf8')) as Obj;
    const current = config.contexts.find((c: Obj) => c.name === config['current-context']);
    current.context.namespace = ns;
    fs.writeFileSync(kubeconfig, JSON.stringify(config), { mode: 0o600 });
    createRestrictedNamespace(ns);
    createReleaseSecret(ns, release, values);
    helmOk(['install', release, CHART_DIR, '-n', ns, '-f', DEV_VALUES, '--wait', '--timeout', '4m']);
  });

  afterAll(() => {
    helm(['uninstall', release, '-n', ns, '--wait', '--timeout', '2m']);
    deleteNamespace(ns);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a wrong context, namespace or release, or bad usage, is named with what exists instead', () => {
    const context = ops(['status', '--context', 'no-such-context']);
    expect(context.status).toBe(1);
    expect(context.stderr).toMatch(/context "no-such-context" is not in the kubeconfig; its contexts: kryptovault-test/);

    const namespace = ops(['status', '--namespace', 'no-such-namespace']);
    expect(namespace.status).toBe(1);
    expect(namespace.stderr).toMatch(new RegExp(`namespace "no-such-namespace" not found in context "kryptovault-test"; namespaces: .*${ns}`));

    const releaseMissing = ops(['status', '--release', 'no-such-release']);
    expect(releaseMissing.status).toBe(1);
    expect(releaseMissing.stderr).toContain(`release "no-such-release" not found in namespace "${ns}" (context "kryptovault-test"); releases there: ${release}`);

    const noRelease = ops(['status', '--namespace', 'kube-public']);
    expect(noRelease.stderr).toContain('no Helm releases there');

    const cronJob = ops(['run-job', 'no-such-job']);
    expect(cronJob.status).toBe(1);
    expect(cronJob.stderr).toContain(`no CronJob "no-such-job" in release "${release}"; its CronJobs: deposit-monitor (${release}-deposit-monitor), earnings (${release}-earnings)`);

    for (const args of [['frobnicate'], ['run-job'], ['status', 'extra'], ['status', '--output', 'yaml'], ['rollback', '--to-revision', '0'], ['status', '--no-such-flag']]) {
      const r = ops(args);
      expect({ args, status: r.status }).toEqual({ args, status: 2 });
      expect(r.stderr).toMatch(/^ops: .+\n\nUsage: npm run ops/);
    }
  });

  test('status: the release revision, every Deployment rolled out and every CronJob with its schedule, from the context\'s defaults', () => {
    const status = opsJson(['status']);
    expect(status).toMatchObject({ context: 'kryptovault-test', namespace: ns, release, revision: { revision: 1, status: 'deployed' } });
    expect(status.revision.chart).toMatch(/^kryptovault-\d+\.\d+\.\d+/);
    const deployments = getJson(['deployment', '-n', ns]).items as Obj[];
    expect(status.deployments.map((d: Obj) => d.name).sort()).toEqual(deployments.map((d) => d.metadata.name).sort());
    for (const d of status.deployments) {
      expect(d).toMatchObject({ rollout: 'complete', revision: 1, images: [image(values.image.tag)] });
      expect(d.readyReplicas).toBe(d.replicas);
    }
    const cronJobs = getJson(['cronjob', '-n', ns]).items as Obj[];
    expect(status.cronJobs.map((c: Obj) => [c.name, c.schedule, c.suspended])).toEqual(
      cronJobs.map((c) => [c.metadata.name, c.spec.schedule, false]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );

    // The times the CronJob controller records, as a status patch sets them: ops reads them from the status.
    const housekeeping = `${release}-housekeeping`;
    const times = { lastScheduleTime: '2026-11-27T10:00:00Z', lastSuccessfulTime: '2026-11-27T10:00:07Z' };
    kubectlOk(['patch', 'cronjob', housekeeping, '-n', ns, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: times })]);
    const patched = opsJson(['status']).cronJobs.find((c: Obj) => c.name === housekeeping);
    expect(patched).toMatchObject({ lastScheduleTime: '2026-11-27T10:00:00.000Z', lastSuccessfulTime: '2026-11-27T10:00:07.000Z' });

    const text = ops(['status']);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`${housekeeping}\\s.*2026-11-27T10:00:00.000Z\\s+2026-11-27T10:00:07.000Z`));
    expect(text.stdout).toContain(`Release ${release} in namespace ${ns} (context kryptovault-test)`);
    expect(text.stdout).toMatch(new RegExp(`${release}-api\\s+1\\s+complete\\s+1/1\\s+${image(values.image.tag)}`));
  });

  test('run-job deposit-monitor starts a Job from the CronJob\'s template, owned by it, that completes', () => {
    const result = opsJson(['run-job', 'deposit-monitor', '--wait', '--timeout', '120']);
    expect(result).toMatchObject({ cronJob: `${release}-deposit-monitor`, outcome: 'complete' });
    const job = getJson(['job', result.job, '-n', ns]);
    const cronJob = getJson(['cronjob', `${release}-deposit-monitor`, '-n', ns]);
    expect(job.metadata.annotations['cronjob.kubernetes.io/instantiate']).toBe('manual');
    expect(job.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'CronJob', name: cronJob.metadata.name, uid: cronJob.metadata.uid })]);
    expect(job.spec.template.spec.containers[0].command).toEqual(cronJob.spec.jobTemplate.spec.template.spec.containers[0].command);
    expect(job.status.succeeded).toBe(1);

    // By full name, without waiting: the Job exists when the command returns.
    const earnings = ops(['run-job', `${release}-earnings`]);
    expect(earnings.status).toBe(0);
    const name = /job\.batch\/(\S+) created from cronjob\/kryptovault-earnings/.exec(earnings.stdout)?.[1];
    expect(getJson(['job', name!, '-n', ns]).spec.template.spec.containers[0].command).toEqual(['node', 'dist/workers/earnings.js']);
  });

  test('suspend and resume set the CronJob\'s spec.suspend; running them twice changes nothing', () => {
    const suspended = opsJson(['suspend', 'earnings']);
    expect(suspended).toEqual({ cronJob: `${release}-earnings`, suspended: true, changed: true });
    expect(getJson(['cronjob', `${release}-earnings`, '-n', ns]).spec.suspend).toBe(true);
    expect(opsJson(['suspend', 'earnings']).changed).toBe(false);
    expect(opsJson(['status']).cronJobs.find((c: Obj) => c.component === 'earnings').suspended).toBe(true);

    expect(opsJson(['resume', 'earnings'])).toEqual({ cronJob: `${release}-earnings`, suspended: false, changed: true });
    expect(getJson(['cronjob', `${release}-earnings`, '-n', ns]).spec.suspend).toBe(false);
  });

  test('rollback returns the API Deployment to the previous image as a new revision, like kubectl rollout undo', () => {
    helmOk(['upgrade', release, CHART_DIR, '-n', ns, '-f', DEV_VALUES, '--set', 'image.tag=ops-next', '--wait', '--timeout', '4m']);
    const api = `${release}-api`;
    expect(getJson(['deployment', api, '-n', ns]).spec.template.spec.containers[0].image).toBe(image('ops-next'));

    const result = opsJson(['rollback', '--wait', '--timeout', '120']);
    expect(result).toMatchObject({
      deployment: api,
      fromRevision: 2,
      toRevision: 1,
      fromImages: [image('ops-next')],
      toImages: [image(values.image.tag)],
      rollout: 'complete',
    });
    const after = getJson(['deployment', api, '-n', ns]);
    expect(after.spec.template.spec.containers[0].image).toBe(image(values.image.tag));
    expect(after.metadata.annotations['deployment.kubernetes.io/revision']).toBe('3');
    // Only the API: the automation runner keeps the upgraded image.
    expect(getJson(['deployment', `${release}-automation`, '-n', ns]).spec.template.spec.containers[0].image).toBe(image('ops-next'));

    const missing = ops(['rollback', '--to-revision', '99']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(`Deployment ${api} has no revision 99 (revisions kept: 2, 3`);
  });

  test('migrations shows the hook Job of the last upgrade, its pod, and its logs or why there are none', () => {
    const run = opsJson(['migrations']);
    const jobs = getJson(['job', '-n', ns, '-l', 'app.kubernetes.io/component=migrate']).items as Obj[];
    expect(jobs).toHaveLength(1);
    expect(run).toMatchObject({ job: jobs[0].metadata.name, outcome: 'complete', hook: 'pre-install,pre-upgrade', failedPods: 0 });
    expect(run.pods.length).toBeGreaterThanOrEqual(1);
    // kwok has no kubelet to serve logs: the API server's answer is passed on, not swallowed.
    for (const pod of run.pods) expect(pod.logs ?? pod.logsError).toMatch(/\S/);
  });
});
