/**
 * The chart's Ingress publishes the API and nothing else: /metrics (Prometheus text with
 * route names, job states), the probes and the API docs stay inside the cluster.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../src/paths';
import { helmTemplate, K8sObject } from './helpers/helm';

const INTERNAL_ONLY = ['/metrics', '/healthz', '/readyz', '/docs', '/docs/', '/openapi.json'];

/** Kubernetes `pathType: Prefix`: matches element by element (/auth matches /auth/login, not /authx). */
function prefixMatches(prefix: string, requestPath: string): boolean {
  const p = prefix.replace(/\/+$/, '');
  return requestPath === p || requestPath.startsWith(`${p}/`);
}

function routedBy(ingress: K8sObject, requestPath: string): boolean {
  return ingress.spec.rules.some((rule: any) =>
    rule.http.paths.some((p: any) => (p.pathType === 'Exact' ? p.path === requestPath : prefixMatches(p.path, requestPath))),
  );
}

describe('Ingress of the rendered chart', () => {
  const objects = helmTemplate({ release: 'rel', namespace: 'ns', values: { api: { ingress: { enabled: true, host: 'api.example.org' } } } });
  const ingress = objects.find((o) => o.kind === 'Ingress')!;
  const openapi = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'Backend', 'openapi.json'), 'utf8')) as { paths: Record<string, unknown> };
  const apiPaths = Object.keys(openapi.paths)
    .filter((p) => !INTERNAL_ONLY.includes(p))
    // /accounts/{asset}/ledger → /accounts/x/ledger: a concrete request path.
    .map((p) => p.replace(/\{[^}]+\}/g, 'x'));

  test('routes no catch-all path, only Prefix paths to the API Service', () => {
    expect(ingress).toBeDefined();
    const paths = ingress.spec.rules.flatMap((r: any) => r.http.paths);
    expect(paths.length).toBeGreaterThan(5);
    for (const p of paths) {
      expect(p.path).not.toBe('/');
      expect(p.pathType).toBe('Prefix');
      expect(p.backend.service).toEqual({ name: 'rel-kryptovault-api', port: { name: 'http' } });
    }
  });

  test('does not route /metrics, the probes or the API docs', () => {
    const routed = [...INTERNAL_ONLY, '/metrics/', '/'].filter((p) => routedBy(ingress, p));
    expect(routed).toEqual([]);
  });

  test('routes every route of the OpenAPI document', () => {
    expect(apiPaths.length).toBeGreaterThan(10);
    expect(apiPaths.filter((p) => !routedBy(ingress, p))).toEqual([]);
  });
});

describe('Ingress with several hosts and TLS entries', () => {
  const values = { api: { ingress: { enabled: true, host: 'api.example.com', extraHosts: ['api.example.org', '*.kv.example.net'], extraTls: [{ hosts: ['legacy.example.com'], secretName: 'legacy-tls' }] } } };
  const ingress = helmTemplate({ release: 'rel', values }).find((o) => o.kind === 'Ingress')!;

  test('every host routes exactly the same API paths, never /metrics', () => {
    const byHost = Object.fromEntries(ingress.spec.rules.map((r: any) => [r.host, r.http.paths]));
    expect(Object.keys(byHost)).toEqual(['api.example.com', 'api.example.org', '*.kv.example.net']);
    expect(byHost['api.example.org']).toEqual(byHost['api.example.com']);
    expect(byHost['*.kv.example.net']).toEqual(byHost['api.example.com']);
    expect(['/metrics', '/docs', '/readyz'].filter((p) => routedBy(ingress, p))).toEqual([]);
  });

  test('the chart certificate covers every host; extra TLS entries follow', () => {
    expect(ingress.spec.tls).toEqual([
      { hosts: ['api.example.com', 'api.example.org', '*.kv.example.net'], secretName: 'rel-kryptovault-tls' },
      { hosts: ['legacy.example.com'], secretName: 'legacy-tls' },
    ]);
  });

  test('the plain manifests build the same Ingress from the same values', () => {
    const { configObjects } = require('../src/render/synthesize');
    const { defaultConfig } = require('../src/config/values');
    const { productionExampleSettings, withOverrides } = require('../src/config/variants');
    const config = withOverrides(withOverrides(defaultConfig(), productionExampleSettings()), values);
    const plain = configObjects(config, { releaseName: 'rel', namespace: 'default' }).find((o: K8sObject) => o.kind === 'Ingress');
    expect(plain.spec.rules).toEqual(ingress.spec.rules);
    expect(plain.spec.tls).toEqual(ingress.spec.tls);
  });
});
