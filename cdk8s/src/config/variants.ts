/**
 * Concrete configurations: the plain-manifest variants in `k8s/` and the ready-made
 * values files in `charts/kryptovault/ci/` come from these.
 */
import { perAsset } from './assets';
import { defaultConfig, KryptoVaultConfig } from './values';

type DeepPartial<T> = T extends unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** Placeholder deposit addresses: valid for their chain, never ours (the registry's dev addresses). */
const exampleAddresses = () => perAsset((_code, a) => ({ address: a.defaults.devAddress }));

/**
 * What an install with NODE_ENV=production must add to the chart defaults (rules.ts): the
 * verifier URL, the frontend's https reset page and a deposit address per enabled asset.
 * These values are examples to replace: the hosts do not exist and the addresses are not ours. The
 * production variant and every ci/ values file start from them.
 */
export const productionExampleSettings = (): DeepPartial<KryptoVaultConfig> => ({
  env: {
    BLOCKCHAIN_VERIFIER_URL: 'https://verifier.kryptovault.example',
    PASSWORD_RESET_URL: 'https://app.kryptovault.example/reset-password',
  },
  assets: exampleAddresses(),
});

/** Deep merge where maps of the schema merge and lists/blocks replace. */
export function withOverrides(base: KryptoVaultConfig, overrides: DeepPartial<KryptoVaultConfig>): KryptoVaultConfig {
  const merge = (a: unknown, b: unknown, blockKey: boolean): unknown => {
    if (b === undefined) return a;
    if (blockKey || typeof b !== 'object' || b === null || Array.isArray(b) || typeof a !== 'object' || a === null) return b;
    const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
    for (const [k, v] of Object.entries(b)) {
      const aval = (a as Record<string, unknown>)[k];
      // A default that is an empty map is a block (labels, nodeSelector): replace, do not merge.
      const isBlock = typeof aval === 'object' && aval !== null && !Array.isArray(aval) && Object.keys(aval).length === 0;
      out[k] = merge(aval, v, isBlock || k === 'resources' || k === 'affinity');
    }
    return out;
  };
  return merge(base, overrides, false) as KryptoVaultConfig;
}

export interface Variant {
  /** Directory under k8s/ and file name under charts/kryptovault/ci/. */
  readonly name: 'dev' | 'production';
  readonly description: string;
  readonly releaseName: string;
  readonly namespace: string;
  /** Adds the dev PostgreSQL, Secret, collector and Prometheus. */
  readonly devStack: boolean;
  readonly config: KryptoVaultConfig;
}

const small = (cpu: string, memory: string) => ({ requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu, memory } });

export function devVariant(): Variant {
  return {
    name: 'dev',
    description: 'kind/local clusters: one replica, small resources, a throwaway PostgreSQL, an OTel collector and a Prometheus. Never for real money.',
    releaseName: 'kryptovault',
    namespace: 'kryptovault-dev',
    devStack: true,
    config: withOverrides(defaultConfig(), {
      image: { repository: 'kryptovault', tag: 'dev', pullPolicy: 'IfNotPresent' },
      env: {
        // The dev Secret holds marked fake values, which production mode rightly refuses.
        NODE_ENV: 'development',
        LOG_LEVEL: 'debug',
        CORS_ORIGIN: 'http://localhost:5173',
        // Reached by port-forward: no proxy in front.
        TRUST_PROXY: '0',
        SMTP_HOST: 'localhost',
        SMTP_PORT: 1025,
        SMTP_REQUIRE_TLS: false,
        // The interactive reference is for developers (off by default); /openapi.json is always served.
        API_DOCS_ENABLED: true,
      },
      // No verifier in dev: deposits wait. Addresses let deposit intents be created.
      assets: exampleAddresses(),
      otel: { endpoint: 'http://kryptovault-otel-collector:4318' },
      api: {
        replicaCount: 1,
        pdb: { enabled: false },
        resources: small('500m', '512Mi'),
      },
      depositMonitor: { resources: small('250m', '384Mi') },
      earnings: { resources: small('250m', '384Mi') },
      housekeeping: { resources: small('250m', '384Mi') },
      emailSender: { resources: small('250m', '384Mi') },
      automation: { resources: small('250m', '384Mi') },
      migration: { resources: small('500m', '384Mi') },
    }),
  };
}

export function productionVariant(): Variant {
  const releaseName = 'kryptovault';
  return {
    name: 'production',
    description: 'Production example: autoscaled API behind a TLS Ingress, NetworkPolicy, Prometheus Operator objects; no database, secrets from an existing Secret. Replace the example verifier URL and deposit addresses (DEPOSIT_ADDRESS_*) with yours.',
    releaseName,
    namespace: 'kryptovault',
    devStack: false,
    config: withOverrides(withOverrides(defaultConfig(), productionExampleSettings()), {
      image: { repository: 'ghcr.io/kryptovault/backend', pullPolicy: 'IfNotPresent' },
      env: {
        CORS_ORIGIN: 'https://app.kryptovault.example',
        PASSWORD_RESET_URL: 'https://app.kryptovault.example/reset-password',
        REFRESH_COOKIE_DOMAIN: 'kryptovault.example',
        SMTP_HOST: 'smtp.kryptovault.example',
        SMTP_USER: 'no-reply@kryptovault.example',
        SMTP_FROM: 'KryptoVault <no-reply@kryptovault.example>',
      },
      secrets: {
        existingSecret: 'kryptovault-secrets',
        keys: { SMTP_PASSWORD: 'SMTP_PASSWORD', SENTRY_DSN: 'SENTRY_DSN' },
      },
      otel: { endpoint: 'http://opentelemetry-collector.observability.svc.cluster.local:4318' },
      api: {
        autoscaling: { enabled: true, minReplicas: 3, maxReplicas: 10 },
        ingress: {
          enabled: true,
          className: 'nginx',
          host: 'api.kryptovault.example',
          annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' },
        },
        // The API's own scheduling: the top-level `affinity` would reach every pod (CronJobs,
        // migration, test). The selector names this release's API pods (instance included), so
        // another release's pods neither repel nor are repelled; with another release name,
        // change app.kubernetes.io/instance to it.
        scheduling: {
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  podAffinityTerm: {
                    topologyKey: 'kubernetes.io/hostname',
                    labelSelector: {
                      matchLabels: { 'app.kubernetes.io/name': 'kryptovault', 'app.kubernetes.io/instance': releaseName, 'app.kubernetes.io/component': 'api' },
                    },
                  },
                },
              ],
            },
          },
        },
      },
      networkPolicy: {
        enabled: true,
        ingressFrom: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
        ],
      },
      monitoring: {
        serviceMonitor: { enabled: true, labels: { release: 'kube-prometheus-stack' } },
        prometheusRule: { enabled: true, labels: { release: 'kube-prometheus-stack' } },
      },
    }),
  };
}

export const VARIANTS = (): Variant[] => [devVariant(), productionVariant()];
