/** kubectl and helm against the harness of tools/cluster/cluster.sh (started by global-setup.js). */
import { execFileSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { toolsBinDir } = require('../../scripts/tools-paths') as { toolsBinDir: () => string };

export const REPO_ROOT = path.resolve(__dirname, '../../..');
export const CLUSTER_SH = path.join(REPO_ROOT, 'tools', 'cluster', 'cluster.sh');
export const CHART_DIR = path.join(REPO_ROOT, 'charts', 'kryptovault');
export const DEV_VALUES = path.join(CHART_DIR, 'ci', 'dev-values.yaml');

function clusterInfo(command: 'status' | 'bin-dir'): string {
  return execFileSync(CLUSTER_SH, [command], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** The kubeconfig of the running harness (fails when it is not up). */
export const KUBECONFIG = clusterInfo('status');
const KUBECTL = path.join(clusterInfo('bin-dir'), 'kubectl');
const HELM = path.join(toolsBinDir(), 'helm');
if (!fs.existsSync(HELM)) throw new Error(`helm not found at ${HELM}: run \`npm run tools:install\` first`);

export interface Result {
  status: number;
  stdout: string;
  stderr: string;
}

function exec(bin: string, args: string[], input?: string): Result {
  try {
    const stdout = execFileSync(bin, args, {
      encoding: 'utf8',
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, KUBECONFIG, HELM_CACHE_HOME: path.join(path.dirname(KUBECONFIG), 'helm-cache'), HELM_CONFIG_HOME: path.join(path.dirname(KUBECONFIG), 'helm-config') },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { status: 0, stdout, stderr: '' };
  } catch (e) {
    const err = e as SpawnSyncReturns<string> & { status: number | null };
    if (err.status === null || err.status === undefined) throw e;
    return { status: err.status, stdout: String(err.stdout ?? ''), stderr: String(err.stderr ?? '') };
  }
}

function ok(name: string, bin: string, args: string[], input?: string): string {
  const r = exec(bin, args, input);
  if (r.status !== 0) throw new Error(`${name} ${args.join(' ')} failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

export const kubectl = (args: string[], input?: string): Result => exec(KUBECTL, args, input);
export const kubectlOk = (args: string[], input?: string): string => ok('kubectl', KUBECTL, args, input);
export const helm = (args: string[]): Result => exec(HELM, args);
export const helmOk = (args: string[]): string => ok('helm', HELM, args);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Obj = Record<string, any>;

export function getJson(args: string[]): Obj {
  return JSON.parse(kubectlOk(['get', ...args, '-o', 'json'])) as Obj;
}

/** A namespace that enforces the restricted Pod Security Standard. */
export function createRestrictedNamespace(name: string): void {
  kubectlOk(['create', 'namespace', name]);
  kubectlOk(['label', 'namespace', name, 'pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/enforce-version=latest']);
}

export function deleteNamespace(name: string): void {
  kubectl(['delete', 'namespace', name, '--ignore-not-found', '--wait=true', '--timeout=120s']);
}

/**
 * The Secret the chart reads: <fullname>-secrets (secrets.existingSecret is empty in the dev
 * values) with the keys of secrets.keys, as k8s/dev/10-postgres.yaml creates it. Returns the keys.
 */
export function createReleaseSecret(ns: string, release: string, values: Obj): string[] {
  const keys = Object.values(values.secrets.keys as Record<string, string>).filter((k) => k !== '');
  kubectlOk(['create', 'secret', 'generic', `${release}-secrets`, '-n', ns, ...keys.map((k) => `--from-literal=${k}=test-only-${k.toLowerCase()}`)]);
  return keys;
}
