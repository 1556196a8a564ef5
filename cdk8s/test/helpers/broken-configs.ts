/**
 * One breaking example per cross-field rule, applied over the defaults plus
 * productionExampleSettings(); synth (constructs.test) and helm (helm.test) must both refuse each.
 */
import { ASSET_CODES, perAsset } from '../../src/config/assets';

export const BROKEN_BY_RULE: Record<string, object> = {
  'service-port-not-metrics-port': { api: { service: { port: 9464 } } },
  'alerts-need-api-job': { monitoring: { prometheusRule: { enabled: true }, serviceMonitor: { enabled: false } } },
  'pdb-needs-two-replicas': { api: { replicaCount: 1 } },
  'hpa-bounds': { api: { autoscaling: { enabled: true, minReplicas: 4, maxReplicas: 3 } } },
  'scheduled-jobs-single-runner': { runScheduledJobs: true },
  'shutdown-delay-exceeds-readiness-period': { gracefulShutdown: { shutdownDelaySeconds: 5 } },
  'grace-period-covers-shutdown': { gracefulShutdown: { terminationGracePeriodSeconds: 40 } },
  'service-account-name-when-not-created': { serviceAccount: { create: false } },
  'production-needs-secure-cookies': { env: { REFRESH_COOKIE_SAMESITE: 'none' }, api: { ingress: { enabled: true, tls: { enabled: false } } } },
  'deposit-recheck-bounds': { env: { DEPOSIT_RECHECK_SECONDS: 600, DEPOSIT_RECHECK_MAX_SECONDS: 300 } },
  'assets-one-enabled': { assets: perAsset(() => ({ enabled: false })) },
  'production-needs-verifier-url': { env: { BLOCKCHAIN_VERIFIER_URL: '' } },
  'production-needs-verifier-secret': { secrets: { keys: { BLOCKCHAIN_VERIFIER_SECRET: '' } } },
  'production-needs-https-reset-url': { env: { PASSWORD_RESET_URL: 'https://localhost:5173/reset-password' } },
  'production-needs-smtp-tls': { env: { SMTP_SECURE: false, SMTP_REQUIRE_TLS: false } },
  'production-access-token-max-1h': { env: { JWT_EXPIRES_IN: '61m' } },
  ...Object.fromEntries(ASSET_CODES.map((code) => [`production-needs-deposit-address-${code.toLowerCase()}`, { assets: { [code]: { address: '' } } }])),
};
