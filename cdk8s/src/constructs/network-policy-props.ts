import type { ReleaseContext } from './context';

/** One NetworkPolicy over every pod of the release. */
export interface ReleaseNetworkPolicyProps {
  readonly context: ReleaseContext;
  readonly name: string;
  readonly enabled: boolean;
  /** Peers allowed to reach port 3000; empty allows any source on that port only. */
  readonly ingressFrom: object[];
  /** Egress rules; empty leaves egress open (remember DNS, PostgreSQL, SMTP, verifier, collector when restricting). */
  readonly egress: object[];
}
