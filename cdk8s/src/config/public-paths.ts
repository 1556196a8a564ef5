/**
 * The only paths the Ingress routes to the API (Prefix matches, element by element: `/auth`
 * covers `/auth/login`, not `/authx`). `/metrics`, `/healthz`, `/readyz`, `/docs` and
 * `/openapi.json` stay inside the cluster: Prometheus and the kubelet reach the pods directly.
 * A test checks that every route of Backend/openapi.json is covered (the notification
 * stream included: it is an ordinary long-lived GET under /notifications).
 */
export const PUBLIC_API_PATHS = [
  '/auth',
  '/profile',
  '/kyc',
  '/accounts',
  '/assets',
  '/deposits',
  '/withdrawals',
  '/plans',
  '/investments',
  '/notifications',
  '/automation',
  '/trades',
  '/admin',
] as const;
