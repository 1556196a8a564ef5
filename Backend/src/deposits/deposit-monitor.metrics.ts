import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service';

/** In-process metrics of monitor passes (served by /metrics wherever the pass runs in the API). */
@Injectable()
export class DepositMonitorMetrics {
  readonly passes: Counter<'outcome'>;
  readonly deposits: Counter<'result'>;
  readonly verifierErrors: Counter<'kind'>;
  readonly verifierLatency: Histogram<'outcome'>;
  readonly lastSuccess: Gauge;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.passes = new Counter({ name: 'kryptovault_deposit_monitor_passes_total', help: 'Deposit monitor passes by outcome', labelNames: ['outcome'], registers });
    this.deposits = new Counter({
      name: 'kryptovault_deposit_monitor_deposits_total',
      help: 'Deposits handled by the monitor: checked, credited, rejected, expired',
      labelNames: ['result'],
      registers,
    });
    this.verifierErrors = new Counter({
      name: 'kryptovault_verifier_errors_total',
      help: 'Verifier calls that gave no verdict, by kind (timeout, network, http_5xx, unauthorized, invalid_response, ...)',
      labelNames: ['kind'],
      registers,
    });
    this.verifierLatency = new Histogram({
      name: 'kryptovault_verifier_request_duration_seconds',
      help: 'Verifier call duration including retries, by outcome',
      labelNames: ['outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.lastSuccess = new Gauge({
      name: 'kryptovault_deposit_monitor_last_success_timestamp_seconds',
      help: 'Unix time of the last successful pass of this process (the database-backed kryptovault_job_last_success_timestamp_seconds covers every process)',
      registers,
    });
  }
}
