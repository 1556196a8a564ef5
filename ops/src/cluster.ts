/**
 * Which cluster, namespace and release a command acts on, and the API clients for them.
 * Every failure a user can cause (wrong context, namespace or release, an unreachable or
 * forbidding API server) becomes an OpsError whose message says what is wrong and what exists.
 */
import { ApiException, AppsV1Api, BatchV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';

/** A failure to report as one line on stderr (exit 1), without a stack. */
export class OpsError extends Error {}

export interface Target {
  context: string;
  namespace: string;
  release: string;
  server: string;
  apps: AppsV1Api;
  batch: BatchV1Api;
  core: CoreV1Api;
}

export interface TargetOptions {
  context?: string;
  namespace?: string;
  release?: string;
}

export const DEFAULT_RELEASE = 'kryptovault';

/** The kubeconfig as kubectl reads it (KUBECONFIG, else ~/.kube/config), narrowed to one context. */
export function resolveTarget(options: TargetOptions): Target {
  const kc = new KubeConfig();
  try {
    kc.loadFromDefault();
  } catch (e) {
    throw new OpsError(`cannot read the kubeconfig (${process.env.KUBECONFIG || '~/.kube/config'}): ${(e as Error).message}`);
  }
  const contexts = kc.getContexts().map((c) => c.name);
  const context = options.context ?? kc.getCurrentContext();
  if (!contexts.includes(context)) {
    throw new OpsError(
      contexts.length === 0
        ? `no contexts in the kubeconfig (${process.env.KUBECONFIG || '~/.kube/config'})`
        : `context "${context}" is not in the kubeconfig; its contexts: ${contexts.join(', ')}`,
    );
  }
  kc.setCurrentContext(context);
  return {
    context,
    namespace: options.namespace ?? kc.getContextObject(context)?.namespace ?? 'default',
    release: options.release ?? DEFAULT_RELEASE,
    server: kc.getCurrentCluster()?.server ?? '(no server)',
    apps: kc.makeApiClient(AppsV1Api),
    batch: kc.makeApiClient(BatchV1Api),
    core: kc.makeApiClient(CoreV1Api),
  };
}

/** The HTTP status of a failed API call, or undefined when the server was not reached. */
export function statusOf(e: unknown): number | undefined {
  return e instanceof ApiException ? e.code : undefined;
}

/**
 * Runs one API call; a failure becomes an OpsError naming what was attempted. `allow` lists
 * statuses the caller handles itself (the call then resolves to undefined).
 */
export async function call<T>(target: Target, what: string, fn: () => Promise<T>, allow: number[] = []): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    const status = statusOf(e);
    if (status !== undefined && allow.includes(status)) return undefined;
    throw new OpsError(`${what}: ${describeFailure(target, e)}`);
  }
}

export function describeFailure(target: Target, e: unknown): string {
  if (e instanceof ApiException) {
    const reason = messageOf(e.body) ?? e.message.split('\n')[0];
    if (e.code === 401) return `the API server refused the credentials of context "${target.context}" (HTTP 401)`;
    if (e.code === 403) return `forbidden for context "${target.context}" (HTTP 403): ${reason}`;
    return `HTTP ${e.code}: ${reason}`;
  }
  // fetch errors carry the socket error (ECONNREFUSED, ENOTFOUND, certificate errors) as the cause.
  const err = e as Error & { cause?: { code?: string; message?: string }; code?: string };
  const detail = err.cause?.code ?? err.code ?? err.cause?.message ?? err.message;
  return `cannot reach the API server ${target.server} of context "${target.context}" (${detail})`;
}

function messageOf(body: unknown): string | undefined {
  if (typeof body === 'string') {
    try {
      return messageOf(JSON.parse(body));
    } catch {
      return body.trim() || undefined;
    }
  }
  const message = (body as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : undefined;
}

/** The namespace must exist; a user allowed only inside it (403 on namespaces) is not stopped here. */
export async function checkNamespace(target: Target): Promise<void> {
  const found = await call(target, `reading namespace "${target.namespace}"`, () => target.core.readNamespace({ name: target.namespace }), [403, 404]);
  if (found) return;
  const probe = await call(target, 'listing namespaces', () => target.core.listNamespace(), [403]);
  if (probe && !probe.items.some((ns) => ns.metadata?.name === target.namespace)) {
    throw new OpsError(`namespace "${target.namespace}" not found in context "${target.context}"; namespaces: ${probe.items.map((ns) => ns.metadata?.name).join(', ')}`);
  }
}

/** Polls `check` every second until it returns a value; an OpsError from `timedOut` after the timeout. */
export async function pollUntil<T>(timeoutSeconds: number, check: () => Promise<T | undefined>, timedOut: () => string): Promise<T> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new OpsError(timedOut());
    await new Promise((r) => setTimeout(r, 1000));
  }
}
