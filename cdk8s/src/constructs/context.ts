/**
 * Who and where a deployment is: names, namespace, image and standard labels.
 *
 * For plain manifests these are concrete strings computed here; for the chart they are
 * Helm tokens calling the named templates of `_helpers.tpl` (render/helpers-tpl.ts),
 * which implement the same rules in Go templates. The parity test keeps both equal.
 */
import { createHash } from 'node:crypto';
import type { IIoK8sApimachineryPkgApisMetaV1ObjectMeta as ObjectMeta } from '@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta';
import { KryptoVaultConfig } from '../config/values';
import { conditionOfValue, mergedMap, notEmpty, or, spread, token, userMapsBeside, when } from '../helm/expr';
import { HOOK_ANNOTATION_KEYS } from './hook';

export const APP_NAME = 'kryptovault';
export const CHART_NAME = 'kryptovault';

export interface ReleaseContext {
  /** app.kubernetes.io/name (nameOverride, default kryptovault). */
  readonly name: string;
  /** Base of every object name (<= 36 chars so suffixed names stay valid for CronJobs). */
  readonly fullname: string;
  /** Namespace every namespaced object is written to. */
  readonly namespace: string;
  /** app.kubernetes.io/instance: the Helm release name. */
  readonly instance: string;
  /** app.kubernetes.io/managed-by. */
  readonly managedBy: string;
  /** app.kubernetes.io/version (image tag or appVersion, label-safe). */
  readonly version: string;
  /** helm.sh/chart label; only in the chart. */
  readonly chartLabel?: string;
  /** Full image reference (repository:tag or repository@digest). */
  readonly image: string;
  readonly serviceAccountName: string;
  /** Account of the migration hook: its own hook-created one, or the user's existing one. */
  readonly migrationServiceAccountName: string;
  readonly secretName: string;
  readonly tlsSecretName: string;
  /** Extra labels/annotations for every object. */
  readonly commonLabels: Record<string, string>;
  readonly commonAnnotations: Record<string, string>;
  /** True when synthesizing the chart (tokens instead of values). */
  readonly helm: boolean;
}

export interface ReleaseInfo {
  readonly releaseName: string;
  readonly namespace: string;
  readonly appVersion: string;
}

/** Same rule as the `kryptovault.fullname` helper. */
export function fullnameOf(config: KryptoVaultConfig, releaseName: string): string {
  const name = config.nameOverride || CHART_NAME;
  const base = config.fullnameOverride ? config.fullnameOverride : releaseName.includes(name) ? releaseName : `${releaseName}-${name}`;
  return base.slice(0, 36).replace(/-+$/, '');
}

/**
 * image.repository, with global.imageRegistry (a mirror) in place of its registry: the first
 * path element when it names a host (has a dot or a port, or is localhost), as Docker reads it.
 * The chart's `kryptovault.repository` helper does the same.
 */
export function repositoryOf(config: KryptoVaultConfig): string {
  const registry = config.global.imageRegistry;
  if (!registry) return config.image.repository;
  const [first, ...rest] = config.image.repository.split('/');
  const hasRegistry = rest.length > 0 && (first!.includes('.') || first!.includes(':') || first === 'localhost');
  return `${registry}/${hasRegistry ? rest.join('/') : config.image.repository}`;
}

export function concreteContext(config: KryptoVaultConfig, release: ReleaseInfo): ReleaseContext {
  const fullname = fullnameOf(config, release.releaseName);
  const tag = config.image.tag || release.appVersion;
  return {
    name: config.nameOverride || APP_NAME,
    fullname,
    namespace: release.namespace,
    instance: release.releaseName,
    managedBy: 'kubectl',
    version: tag.replace(/\+/g, '_').slice(0, 63),
    // With a digest the digest pins the image; a tag given too stays readable in the reference.
    image: config.image.digest
      ? `${repositoryOf(config)}${config.image.tag ? `:${config.image.tag}` : ''}@${config.image.digest}`
      : `${repositoryOf(config)}:${tag}`,
    serviceAccountName: config.serviceAccount.create ? config.serviceAccount.name || fullname : config.serviceAccount.name,
    migrationServiceAccountName: config.serviceAccount.create ? `${fullname}-migrate` : config.serviceAccount.name,
    secretName: config.secrets.existingSecret || `${fullname}-secrets`,
    tlsSecretName: config.api.ingress.tls.secretName || `${fullname}-tls`,
    commonLabels: config.commonLabels,
    commonAnnotations: config.commonAnnotations,
    helm: false,
  };
}

const include = (name: string) => token<string>('str', `include "kryptovault.${name}" .`);

export function helmContext(config: KryptoVaultConfig): ReleaseContext {
  return {
    name: include('name'),
    fullname: include('fullname'),
    namespace: token<string>('str', '.Release.Namespace'),
    instance: token<string>('str', '.Release.Name'),
    managedBy: token<string>('str', '.Release.Service'),
    version: include('version'),
    chartLabel: include('chart'),
    image: include('image'),
    serviceAccountName: include('serviceAccountName'),
    migrationServiceAccountName: include('migrationServiceAccountName'),
    secretName: include('secretName'),
    tlsSecretName: include('tlsSecretName'),
    commonLabels: config.commonLabels,
    commonAnnotations: config.commonAnnotations,
    helm: true,
  };
}

/** Minimal, immutable selector labels. */
export function selectorLabels(ctx: ReleaseContext, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': ctx.name,
    'app.kubernetes.io/instance': ctx.instance,
    'app.kubernetes.io/component': component,
  };
}

/** Selector of every pod of the release (NetworkPolicy). */
export function releaseSelector(ctx: ReleaseContext): Record<string, string> {
  return { 'app.kubernetes.io/name': ctx.name, 'app.kubernetes.io/instance': ctx.instance };
}

/** The labels the chart writes on every object (selector labels included); user maps never replace them. */
function chartLabels(ctx: ReleaseContext, component: string): Record<string, string> {
  return {
    ...selectorLabels(ctx, component),
    'app.kubernetes.io/version': ctx.version,
    'app.kubernetes.io/part-of': APP_NAME,
    'app.kubernetes.io/managed-by': ctx.managedBy,
    ...(ctx.chartLabel ? { 'helm.sh/chart': ctx.chartLabel } : {}),
  };
}

/**
 * The chart's labels plus the user's maps (`common: false` leaves commonLabels out):
 * `maps` are object-specific maps (the Service's, a ServiceMonitor's), each winning over
 * the ones after it and over commonLabels; the chart's keys win over all of them. Every key
 * is written once (a shared key would be a duplicate YAML key in the chart).
 */
export function standardLabels(
  ctx: ReleaseContext,
  component: string,
  opts: { common?: boolean; maps?: Array<Record<string, string>> } = {},
): Record<string, string> {
  const fixed = chartLabels(ctx, component);
  const maps = [...(opts.maps ?? []), ...(opts.common === false ? [] : [ctx.commonLabels])];
  return maps.length === 0 ? fixed : { ...fixed, ...mergedMap(maps, Object.keys(fixed)) };
}

/**
 * Annotations: fixed ones (possibly conditional) plus the user's maps, the first map winning
 * on a shared key and the fixed ones over all of them; user maps never set the Helm hook keys
 * (`helm.sh/hook*`: the chart decides which objects are hooks). When nothing is certain to be
 * present, the whole key is conditional, so neither `annotations: {}` nor a null map is ever written.
 */
export function annotationsWith(
  userMaps: Array<Record<string, string>>,
  fixed: Record<string, string | undefined> = {},
): Record<string, string> | undefined {
  const { present, user } = userMapsBeside(fixed, userMaps, HOOK_ANNOTATION_KEYS);
  const merged: Record<string, string> = { ...Object.fromEntries(present), ...spread(user) };
  if (present.some(([, v]) => conditionOfValue(v) === true)) return merged;
  return when(or(...present.map(([, v]) => conditionOfValue(v)), notEmpty(user)), merged);
}

export function objectMeta(
  ctx: ReleaseContext,
  name: string,
  component: string,
  fixedAnnotations: Record<string, string> = {},
): ObjectMeta {
  const annotations = annotationsWith([ctx.commonAnnotations], fixedAnnotations);
  return {
    name,
    namespace: ctx.namespace,
    labels: standardLabels(ctx, component),
    ...(annotations !== undefined ? { annotations } : {}),
  };
}

/** sha256 of a ConfigMap's data, the concrete counterpart of the chart's `include ... | sha256sum`. */
export function checksumOf(data: Record<string, string>): string {
  const sorted = Object.fromEntries(Object.keys(data).sort().map((k) => [k, data[k]]));
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
}
