/**
 * Chart-only facts about a synthesized object, kept beside the object rather than in it:
 * the condition that wraps its template (`{{- if .Values.api.ingress.enabled }}`) and the
 * template file it is written to (a ConfigMap's file is hashed by the checksum annotation).
 */
import { ApiObject } from 'cdk8s';
import { asToken, isDeferred } from './expr';

const conditions = new WeakMap<ApiObject, string>();
const files = new WeakMap<ApiObject, string>();

/** In the chart, render `obj` only when `flag` holds (no-op for concrete flags). */
export function renderOnlyWhen(obj: ApiObject, flag: boolean): void {
  if (!isDeferred(flag)) return;
  const expr = asToken(flag)!.expr;
  const previous = conditions.get(obj);
  conditions.set(obj, previous ? `and (${previous}) (${expr})` : expr);
}

/** In the chart, render `obj` only when the cluster serves `apiVersion` (a CRD's group/version). */
export function renderOnlyWhenServed(obj: ApiObject, apiVersion: string): void {
  const expr = `.Capabilities.APIVersions.Has "${apiVersion}"`;
  const previous = conditions.get(obj);
  conditions.set(obj, previous ? `and (${previous}) (${expr})` : expr);
}

export function conditionOf(obj: ApiObject): string | undefined {
  return conditions.get(obj);
}

export function setTemplateFile(obj: ApiObject, file: string): void {
  files.set(obj, file);
}

export function templateFileOf(obj: ApiObject): string | undefined {
  return files.get(obj);
}
