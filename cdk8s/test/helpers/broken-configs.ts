/** One breaking example per cross-field rule; synth (constructs.test) and helm (helm.test) must both refuse each. */
export const BROKEN_BY_RULE = {
  'pdb-needs-two-replicas': { api: { replicaCount: 1 } },
  'hpa-bounds': { api: { autoscaling: { enabled: true, minReplicas: 4, maxReplicas: 3 } } },
  'scheduled-jobs-single-runner': { runScheduledJobs: true },
  'shutdown-delay-exceeds-readiness-period': { gracefulShutdown: { shutdownDelaySeconds: 5 } },
  'grace-period-covers-shutdown': { gracefulShutdown: { terminationGracePeriodSeconds: 40 } },
  'service-account-name-when-not-created': { serviceAccount: { create: false } },
  'production-needs-secure-cookies': { env: { REFRESH_COOKIE_SAMESITE: 'none' }, api: { ingress: { enabled: true, tls: { enabled: false } } } },
} as const;
