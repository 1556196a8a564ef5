import type { ReleaseContext } from './context';

/**
 * Local-only companions for a kind cluster: PostgreSQL, an OpenTelemetry collector
 * and a Prometheus. Never part of the chart or the production example.
 */
export interface DevStackProps {
  readonly context: ReleaseContext;
  /** Name of the Secret the app reads (created here with obviously fake values). */
  readonly secretName: string;
  /** Keys the app expects in that Secret. */
  readonly secretKeys: { DATABASE_URL: string; JWT_SECRET: string; BLOCKCHAIN_VERIFIER_SECRET: string };
  /** Rule groups loaded into the dev Prometheus (the same alerts as the PrometheusRule). */
  readonly alertRules: object[];
}
