/**
 * Offline validation against the Kubernetes OpenAPI schema (kubernetes-models), plus
 * the unknown-field check it lacks: the generated validators read every property the
 * schema knows, so a property the validator never read is one the API server would drop.
 */
import * as path from 'node:path';

const MODELS_DIR = path.dirname(require.resolve('kubernetes-models'));

const GROUP_PREFIX: Record<string, string> = {
  '': 'Core',
  apps: 'Apps',
  batch: 'Batch',
  autoscaling: 'Autoscaling',
  policy: 'Policy',
  'networking.k8s.io': 'Networking',
  'rbac.authorization.k8s.io': 'Rbac',
};

type Validator = ((data: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string; keyword: string; params: unknown }> | null };

function validatorFor(apiVersion: string, kind: string): Validator {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const prefix = GROUP_PREFIX[group];
  if (prefix === undefined) throw new Error(`no schema for ${apiVersion} ${kind}`);
  const v = version.charAt(0).toUpperCase() + version.slice(1);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(MODELS_DIR, '_schemas', `IoK8sApi${prefix}${v}${kind}.js`)).validate as Validator;
}

interface Access {
  read: Set<string>;
  enumerated: boolean;
}

/** Problems of one object: schema errors and unknown fields (JSON pointers). */
export function k8sSchemaProblems(obj: Record<string, any>): string[] {
  const access = new Map<object, Access>();
  const wrap = (target: any): any => {
    if (target === null || typeof target !== 'object') return target;
    const rec: Access = { read: new Set(), enumerated: false };
    access.set(target, rec);
    return new Proxy(target, {
      get(t, key) {
        if (typeof key === 'string') rec.read.add(key);
        return wrap(Reflect.get(t, key));
      },
      has(t, key) {
        if (typeof key === 'string') rec.read.add(key);
        return Reflect.has(t, key);
      },
      ownKeys(t) {
        rec.enumerated = true;
        return Reflect.ownKeys(t);
      },
    });
  };
  const validate = validatorFor(obj.apiVersion, obj.kind);
  const clone = structuredClone(obj);
  const ok = validate(wrap(clone));
  const problems = ok ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.keyword} ${JSON.stringify(e.params)}`);
  const visit = (node: any, pointer: string) => {
    if (node === null || typeof node !== 'object') return;
    const rec = access.get(node);
    if (!rec) return; // never visited: a free-form field (validated as a whole)
    for (const key of Object.keys(node)) {
      if (!Array.isArray(node) && !rec.enumerated && !rec.read.has(key)) problems.push(`${pointer}/${key}: unknown field`);
      visit(node[key], `${pointer}/${key}`);
    }
  };
  visit(clone, '');
  return problems;
}

/** Shape checks for the Prometheus Operator CRDs kubernetes-models does not know. */
export function monitoringProblems(obj: Record<string, any>): string[] {
  const problems: string[] = [];
  const allowed = (o: Record<string, any> | undefined, keys: string[], where: string) => {
    if (!o || typeof o !== 'object') return problems.push(`${where}: missing`);
    for (const k of Object.keys(o)) if (!keys.includes(k)) problems.push(`${where}/${k}: unknown field`);
  };
  allowed(obj, ['apiVersion', 'kind', 'metadata', 'spec'], '');
  if (obj.apiVersion !== 'monitoring.coreos.com/v1') problems.push('apiVersion must be monitoring.coreos.com/v1');
  if (!obj.metadata?.name || !obj.metadata?.namespace) problems.push('metadata.name and namespace are required');
  if (obj.kind === 'ServiceMonitor') {
    allowed(obj.spec, ['selector', 'namespaceSelector', 'endpoints', 'jobLabel'], '/spec');
    if (!obj.spec?.selector?.matchLabels) problems.push('/spec/selector/matchLabels required');
    for (const [i, ep] of (obj.spec?.endpoints ?? []).entries()) {
      allowed(ep, ['port', 'path', 'scheme', 'interval', 'scrapeTimeout'], `/spec/endpoints/${i}`);
      if (typeof ep.port !== 'string') problems.push(`/spec/endpoints/${i}/port must be a port name`);
      for (const d of ['interval', 'scrapeTimeout']) if (!/^[0-9]+(ms|s|m|h)$/.test(ep[d])) problems.push(`/spec/endpoints/${i}/${d} not a duration`);
    }
    if (!(obj.spec?.endpoints?.length > 0)) problems.push('/spec/endpoints must not be empty');
  } else if (obj.kind === 'PrometheusRule') {
    allowed(obj.spec, ['groups'], '/spec');
    for (const [gi, g] of (obj.spec?.groups ?? []).entries()) {
      allowed(g, ['name', 'rules', 'interval'], `/spec/groups/${gi}`);
      for (const [ri, r] of (g.rules ?? []).entries()) {
        allowed(r, ['alert', 'record', 'expr', 'for', 'labels', 'annotations'], `/spec/groups/${gi}/rules/${ri}`);
        if (typeof r.expr !== 'string' || r.expr === '') problems.push(`/spec/groups/${gi}/rules/${ri}/expr must be a string`);
        for (const m of ['labels', 'annotations']) {
          for (const [k, v] of Object.entries(r[m] ?? {})) if (typeof v !== 'string') problems.push(`rule ${r.alert} ${m}.${k} must be a string`);
        }
      }
    }
  } else {
    problems.push(`unexpected monitoring kind ${obj.kind}`);
  }
  return problems;
}

export function objectProblems(obj: Record<string, any>): string[] {
  const id = `${obj.kind}/${obj.metadata?.name}`;
  const problems = obj.apiVersion?.startsWith('monitoring.coreos.com/') ? monitoringProblems(obj) : k8sSchemaProblems(obj);
  return problems.map((p) => `${id} ${p}`);
}
