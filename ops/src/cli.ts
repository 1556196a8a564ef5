#!/usr/bin/env node
/**
 * The runbook's commands against a KryptoVault release (docs/runbook.md):
 *   npm run ops -- <command> [args] [--context C] [--namespace N] [--release R] [--output json]
 * Defaults: the kubeconfig's current context and its namespace, release "kryptovault".
 * Exit codes: 0 done, 1 failed (a message on stderr says why), 2 bad usage.
 */
import { parseArgs } from 'node:util';
import { OpsError, resolveTarget, type Target } from './cluster.js';
import { lastMigration, runJob, setSuspended } from './jobs.js';
import { rollback } from './rollback.js';
import { formatStatus, releaseStatus } from './status.js';

const USAGE = `Usage: npm run ops -- <command> [options]

Commands:
  status                     release revision, rollouts, ready replicas, each CronJob's last schedule and success
  run-job <job>              start a Job from a CronJob of the release (deposit-monitor, earnings, ...),
                             like kubectl create job --from=cronjob/<name>; --wait waits for it to finish
  suspend <cronjob>          stop scheduling a CronJob (running Jobs finish)
  resume <cronjob>           schedule it again
  rollback [component]       the previous revision of a Deployment (default: api), like kubectl rollout undo;
                             --to-revision N picks one; --wait waits for the rollout
  migrations                 the migration hook Job of the last install/upgrade and its logs

Options:
  --context C       kubeconfig context (default: the current context)
  --namespace N     namespace (default: the context's namespace, else "default")
  --release R       Helm release name (default: kryptovault)
  --output json     machine-readable output
  --wait            wait for run-job / rollback to finish
  --timeout S       seconds to wait (default 300)
  --tail N          log lines per pod for migrations (default 200)`;

class UsageError extends Error {}

const OPTIONS = {
  context: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  release: { type: 'string' },
  output: { type: 'string', short: 'o' },
  wait: { type: 'boolean' },
  timeout: { type: 'string' },
  'to-revision': { type: 'string' },
  tail: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function positiveInt(name: string, value: string | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (!/^[1-9][0-9]*$/.test(value)) throw new UsageError(`--${name} must be a positive whole number, got "${value}"`);
  return Number(value);
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  if (values.output !== undefined && values.output !== 'json') throw new UsageError(`--output must be "json", got "${values.output}"`);
  const json = values.output === 'json';
  const timeoutSeconds = positiveInt('timeout', values.timeout, 300)!;
  const wait = values.wait ? { timeoutSeconds } : undefined;
  const argument = (what: string, optional = false): string | undefined => {
    if (rest.length > 1) throw new UsageError(`${command} takes one ${what}, got: ${rest.join(' ')}`);
    if (!rest[0] && !optional) throw new UsageError(`${command} needs a ${what}`);
    return rest[0];
  };
  const noArgument = () => {
    if (rest.length) throw new UsageError(`${command} takes no arguments, got: ${rest.join(' ')}`);
  };
  const target = (): Target => resolveTarget({ context: values.context, namespace: values.namespace, release: values.release });
  const print = (data: unknown, text: string) => process.stdout.write(`${json ? JSON.stringify(data, null, 2) : text}\n`);

  switch (command) {
    case 'status': {
      noArgument();
      const status = await releaseStatus(target());
      print(status, formatStatus(status));
      return 0;
    }
    case 'run-job': {
      const job = argument('CronJob (deposit-monitor, earnings, ...)')!;
      const t = target();
      const r = await runJob(t, job, wait);
      const note = r.alsoRunning ? ` (${r.alsoRunning} scheduled run(s) of it also running; the passes are safe to overlap)` : '';
      const text = wait
        ? `job.batch/${r.job} from cronjob/${r.cronJob}: ${r.outcome}${note}`
        : `job.batch/${r.job} created from cronjob/${r.cronJob}${note}\nfollow it: kubectl -n ${t.namespace} logs -f job/${r.job}`;
      print(r, text);
      return r.outcome === 'failed' ? 1 : 0;
    }
    case 'suspend':
    case 'resume': {
      const cronJob = argument('CronJob (deposit-monitor, earnings, ...)')!;
      const r = await setSuspended(target(), cronJob, command === 'suspend');
      const state = r.suspended ? 'suspended' : 'resumed';
      print(r, `cronjob.batch/${r.cronJob} ${r.changed ? state : `already ${state === 'resumed' ? 'not suspended' : 'suspended'}`}` +
        (r.changed ? ' (the next helm upgrade sets it back to the values\' suspend setting)' : ''));
      return 0;
    }
    case 'rollback': {
      const component = argument('Deployment component (api, automation)', true) ?? 'api';
      const r = await rollback(target(), { component, toRevision: positiveInt('to-revision', values['to-revision']), wait });
      print(
        r,
        `deployment.apps/${r.deployment} rolled back from revision ${r.fromRevision} to revision ${r.toRevision} (${r.fromImages.join(',')} -> ${r.toImages.join(',')})` +
          (wait ? `; rollout ${r.rollout}` : '') +
          `\nhelm's release record is unchanged: the next helm upgrade applies the chart's template again (docs/runbook.md)`,
      );
      return r.rollout === 'failed' ? 1 : 0;
    }
    case 'migrations': {
      noArgument();
      const r = await lastMigration(target(), positiveInt('tail', values.tail, 200)!);
      const lines = [
        `job.batch/${r.job} (hook ${r.hook ?? '-'}): ${r.outcome}; created ${r.created ?? '-'}, started ${r.started ?? '-'}, completed ${r.completed ?? '-'}, failed pods ${r.failedPods}`,
        ...r.pods.flatMap((p) => [`--- pod ${p.name} (${p.phase})`, p.logs?.trimEnd() ?? `(logs unavailable: ${p.logsError})`]),
      ];
      print(r, lines.join('\n'));
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${command}" (status, run-job, suspend, resume, rollback, migrations)`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`ops: ${e.message}\n\n${USAGE}\n`);
      process.exitCode = 2;
    } else if (e instanceof OpsError) {
      process.stderr.write(`ops: ${e.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`ops: unexpected failure: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 1;
    }
  },
);
