/**
 * Pod policy every rendered object must meet: the "restricted" Pod Security Standard,
 * probes on long-running pods, bounded Job pods, requests and limits, and no secret
 * value in plain text anywhere.
 */
import { SECRET_VARIABLES } from '../../src/config/values';
import { DEV_SECRET_MARKER } from '../../src/constructs/dev-stack';

interface PodInfo {
  where: string;
  spec: Record<string, any>;
  longRunning: boolean;
  jobSpec?: Record<string, any>;
}

export function podsOf(obj: Record<string, any>): PodInfo[] {
  const where = `${obj.kind}/${obj.metadata?.name}`;
  switch (obj.kind) {
    case 'Deployment':
    case 'StatefulSet':
      return [{ where, spec: obj.spec.template.spec, longRunning: true }];
    case 'Job':
      return [{ where, spec: obj.spec.template.spec, longRunning: false, jobSpec: obj.spec }];
    case 'CronJob':
      return [{ where, spec: obj.spec.jobTemplate.spec.template.spec, longRunning: false, jobSpec: obj.spec.jobTemplate.spec }];
    case 'Pod':
      return [{ where, spec: obj.spec, longRunning: false }];
    default:
      return [];
  }
}

// Names that hold credentials (REFRESH_TOKEN_TTL_SECONDS is a duration, PASSWORD_RESET_URL a link, neither a secret).
const SECRET_NAME = /((^|_)PASSWORD$|SECRET|_DSN$|PRIVATE_KEY|API_KEY|_TOKEN$)/;

export function podPolicyProblems(pod: PodInfo): string[] {
  const p: string[] = [];
  const s = pod.spec;
  const psc = s.securityContext ?? {};
  if (s.hostNetwork || s.hostPID || s.hostIPC) p.push('host namespaces');
  for (const v of s.volumes ?? []) {
    if (v.hostPath) p.push(`hostPath volume ${v.name}`);
  }
  if (psc.runAsUser === 0) p.push('pod runAsUser 0');
  for (const c of [...(s.initContainers ?? []), ...(s.containers ?? [])]) {
    const at = `container ${c.name}`;
    const sc = c.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false) p.push(`${at}: allowPrivilegeEscalation must be false`);
    if (sc.privileged === true) p.push(`${at}: privileged`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) p.push(`${at}: must drop ALL capabilities`);
    for (const add of sc.capabilities?.add ?? []) if (add !== 'NET_BIND_SERVICE') p.push(`${at}: adds ${add}`);
    if ((sc.runAsNonRoot ?? psc.runAsNonRoot) !== true) p.push(`${at}: runAsNonRoot`);
    if ((sc.runAsUser ?? psc.runAsUser) === 0) p.push(`${at}: runs as root`);
    const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') p.push(`${at}: seccompProfile RuntimeDefault`);
    if (sc.readOnlyRootFilesystem !== true) p.push(`${at}: readOnlyRootFilesystem`);
    if (!(c.volumeMounts ?? []).some((m: any) => m.mountPath === '/tmp')) p.push(`${at}: no writable /tmp`);
    for (const kind of ['requests', 'limits']) {
      for (const r of ['cpu', 'memory']) if (!c.resources?.[kind]?.[r]) p.push(`${at}: resources.${kind}.${r} missing`);
    }
    if (pod.longRunning) {
      for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) if (!c[probe]) p.push(`${at}: ${probe} missing`);
    }
    for (const e of c.env ?? []) {
      const isSecretName = (SECRET_VARIABLES as readonly string[]).includes(e.name) || SECRET_NAME.test(e.name);
      if (isSecretName && e.value !== undefined) p.push(`${at}: ${e.name} has a plain value`);
    }
  }
  if (pod.jobSpec && !(pod.jobSpec.activeDeadlineSeconds > 0)) p.push('job without activeDeadlineSeconds');
  if (pod.jobSpec && s.restartPolicy !== 'Never' && s.restartPolicy !== 'OnFailure') p.push('job pod restartPolicy');
  return p.map((x) => `${pod.where} ${x}`);
}

/** Secrets in plain text: Secret objects (only marked dev values allowed) and secret-named ConfigMap keys. */
export function secretProblems(obj: Record<string, any>, allowDevSecrets: boolean): string[] {
  const where = `${obj.kind}/${obj.metadata?.name}`;
  const p: string[] = [];
  if (obj.kind === 'Secret') {
    if (!allowDevSecrets) p.push(`${where}: no Secret may be rendered`);
    const values = [...Object.values(obj.stringData ?? {}), ...Object.values(obj.data ?? {}).map((v) => Buffer.from(String(v), 'base64').toString())];
    for (const v of values) if (!String(v).includes(DEV_SECRET_MARKER)) p.push(`${where}: value without the ${DEV_SECRET_MARKER} marker`);
  }
  if (obj.kind === 'ConfigMap') {
    for (const k of Object.keys(obj.data ?? {})) {
      if ((SECRET_VARIABLES as readonly string[]).includes(k) || SECRET_NAME.test(k)) p.push(`${where}: secret-like key ${k}`);
    }
  }
  return p;
}

export function policyProblems(objects: Array<Record<string, any>>, allowDevSecrets = false): string[] {
  return objects.flatMap((o) => [...podsOf(o).flatMap(podPolicyProblems), ...secretProblems(o, allowDevSecrets)]);
}
