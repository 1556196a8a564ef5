/**
 * Helm expressions standing in for config values.
 *
 * The constructs are written once against a typed config. For the plain manifests the
 * config holds concrete values; for the chart each value is a *token*: a short string
 * `KVT<kind><hash>KV` that the chart writer (render/helm-template.ts) replaces with a
 * template action. The token kind decides how it is written:
 *
 * - `int`/`bool`/`raw`: unquoted (`replicas: {{ .Values.api.replicaCount | int64 }}`)
 * - `str`: quoted (`{{ .Values.env.LOG_LEVEL | quote }}`), or spliced into a longer string
 * - `block`: `{{- toYaml ... | nindent N }}` (resources, tolerations...)
 *
 * Structural helpers (`when`, `whenItem`, `spread`, `spreadList`) express optional keys,
 * optional list items and merged maps: concrete values are resolved in TypeScript, tokens
 * become markers that turn into `{{- if }}`/`{{- with }}` blocks in the chart.
 */
import { createHash } from 'node:crypto';

export type TokenKind = 'str' | 'int' | 'bool' | 'raw' | 'block';

const KIND_LETTER: Record<TokenKind, string> = { str: 's', int: 'i', bool: 'b', raw: 'r', block: 'k' };
const LETTER_KIND = Object.fromEntries(Object.entries(KIND_LETTER).map(([k, v]) => [v, k])) as Record<string, TokenKind>;

/** Every token seen in this process, by hash. Hashes depend only on kind + expression, so output is stable. */
const registry = new Map<string, string>();

export const TOKEN_PATTERN = /KVT([sibrk])([0-9a-f]{12})KV/g;
export const COND_KEY = '@kvIf';
export const ITEM_COND_KEY = '@kvIfItem';

function hashOf(kind: string, expr: string): string {
  return createHash('sha256').update(`${kind}\u0000${expr}`).digest('hex').slice(0, 12);
}

export function register(kind: string, expr: string): string {
  const hash = hashOf(kind, expr);
  const known = registry.get(hash);
  if (known !== undefined && known !== expr) throw new Error(`token hash collision for ${expr}`);
  registry.set(hash, expr);
  return hash;
}

export function lookup(hash: string): string {
  const expr = registry.get(hash);
  if (expr === undefined) throw new Error(`unknown Helm token ${hash}`);
  return expr;
}

/** A value of type T that is really a Helm expression. */
export function token<T>(kind: TokenKind, expr: string): T {
  return `KVT${KIND_LETTER[kind]}${register(kind, expr)}KV` as unknown as T;
}

export interface ParsedToken {
  kind: TokenKind;
  expr: string;
}

/** The token if `value` is exactly one token, else undefined. */
export function asToken(value: unknown): ParsedToken | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^KVT([sibrk])([0-9a-f]{12})KV$/.exec(value);
  return m ? { kind: LETTER_KIND[m[1]], expr: lookup(m[2]) } : undefined;
}

export function containsToken(value: unknown): boolean {
  return typeof value === 'string' && new RegExp(TOKEN_PATTERN.source).test(value);
}

/** Splits a string into literal parts and tokens. */
export function splitTokens(value: string): Array<string | ParsedToken> {
  const parts: Array<string | ParsedToken> = [];
  let last = 0;
  for (const m of value.matchAll(new RegExp(TOKEN_PATTERN.source, 'g'))) {
    if (m.index! > last) parts.push(value.slice(last, m.index));
    parts.push({ kind: LETTER_KIND[m[1]], expr: lookup(m[2]) });
    last = m.index! + m[0].length;
  }
  if (last < value.length) parts.push(value.slice(last));
  return parts;
}

function exprOf(value: unknown): string {
  const t = asToken(value);
  if (!t) throw new Error(`expected a Helm token, got ${JSON.stringify(value)}`);
  return t.expr;
}

/** True when the value is a Helm expression (decided at install time). */
export function isDeferred(value: unknown): boolean {
  return asToken(value) !== undefined;
}

/** "Might this be on?": concrete true, or any Helm condition (the template decides). */
export function mayBeOn(flag: boolean): boolean {
  return flag === true || isDeferred(flag);
}

export function not(flag: boolean): boolean {
  return isDeferred(flag) ? token<boolean>('bool', `not (${exprOf(flag)})`) : !flag;
}

export function and(...flags: boolean[]): boolean {
  if (flags.some((f) => f === false)) return false;
  const deferred = flags.filter(isDeferred);
  if (deferred.length === 0) return true;
  if (deferred.length === 1) return deferred[0];
  return token<boolean>('bool', `and ${deferred.map((f) => `(${exprOf(f)})`).join(' ')}`);
}

export function or(...flags: boolean[]): boolean {
  if (flags.some((f) => f === true)) return true;
  const deferred = flags.filter(isDeferred);
  if (deferred.length === 0) return false;
  if (deferred.length === 1) return deferred[0];
  return token<boolean>('bool', `or ${deferred.map((f) => `(${exprOf(f)})`).join(' ')}`);
}

/** Non-empty string, map or list (Go template truthiness). */
export function notEmpty(value: unknown): boolean {
  if (isDeferred(value)) return token<boolean>('bool', `not (empty (${exprOf(value)}))`);
  if (value === undefined || value === null || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/**
 * A value computed from another: `fn` on concrete values, `helm(expr)` on tokens.
 * Example: `derive(seconds, (s) => String(s * 1000), (e) => \`mul ${e} 1000 | toString\`, 'str')`.
 */
export function derive<I, O>(value: I, fn: (v: I) => O, helm: (expr: string) => string, kind: TokenKind): O {
  return isDeferred(value) ? token<O>(kind, helm(`(${exprOf(value)})`)) : fn(value);
}

/** A string rendering of an int/bool value (ConfigMap data, env values). */
export function asString(value: number | boolean): string {
  return derive(value, (v) => String(v), (e) => `${e} | toString`, 'str');
}

/** The names whose flag holds, joined by `sep` (`BTC,ETH` from per-asset `enabled` flags). */
export function joinWhere(items: ReadonlyArray<readonly [string, boolean]>, sep: string): string {
  const kept = items.filter(([, flag]) => flag !== false);
  if (!kept.some(([, flag]) => isDeferred(flag))) return kept.map(([name]) => name).join(sep);
  const parts = kept.map(([name, flag]) => (isDeferred(flag) ? `(ternary ${JSON.stringify(name)} "" (${exprOf(flag)}))` : JSON.stringify(name)));
  return token<string>('str', `list ${parts.join(' ')} | compact | join ${JSON.stringify(sep)}`);
}

/** `value` when `flag` holds, otherwise the key is left out. */
export function when<T>(flag: boolean, value: T): T | undefined {
  if (isDeferred(flag)) return { [COND_KEY]: exprOf(flag), value } as unknown as T;
  return flag ? value : undefined;
}

/** The condition under which a (possibly `when`-wrapped) value is present. */
export function conditionOfValue(value: unknown): boolean {
  if (typeof value === 'object' && value !== null && COND_KEY in value) {
    return token<boolean>('bool', (value as Record<string, string>)[COND_KEY]);
  }
  return value !== undefined;
}

/** A list item present only when `flag` holds. Use as `[...whenItem(flag, item)]`. */
export function whenItem<T>(flag: boolean, item: T): T[] {
  if (isDeferred(flag)) return [{ [ITEM_COND_KEY]: exprOf(flag), value: item } as unknown as T];
  return flag ? [item] : [];
}

/** Merges a user map into an object: `{ ...fixed, ...spread(cfg.commonLabels) }`. */
export function spread(map: Record<string, string>): Record<string, string> {
  if (isDeferred(map)) return { [`KVSPREAD${register('spread', exprOf(map))}KV`]: 'spread' };
  return map;
}

/** Appends a user list to a list: `[...fixed, ...spreadList(cfg.tolerations)]`. */
export function spreadList<T>(list: T[]): T[] {
  if (isDeferred(list)) return [`KVLSPREAD${register('spread', exprOf(list))}KV` as unknown as T];
  return list;
}

/** A key the chart writes itself: always (a string), or only while `when` holds. */
export type OwnedKey = string | { readonly key: string; readonly when: boolean };

/**
 * One map from several user maps, the first winning on a shared key, without the keys the
 * chart writes itself (`owned`; a conditional one only while the chart writes it): the
 * value to spread into an object (see `mergedMap`) or to test with `notEmpty`.
 */
export function mergedMapValue(maps: Array<Record<string, string>>, owned: readonly OwnedKey[] = []): Record<string, string> {
  const keys = owned.map((k) => (typeof k === 'string' ? { key: k, when: true } : k));
  if (!maps.some(isDeferred)) {
    const out: Record<string, string> = Object.assign({}, ...[...maps].reverse());
    for (const { key, when: flag } of keys) {
      if (isDeferred(flag)) throw new Error('mergedMap: a Helm condition over concrete maps');
      if (flag) delete out[key];
    }
    return out;
  }
  if (!maps.every(isDeferred)) throw new Error('mergedMap: mix of concrete and Helm maps');
  // `merge` writes into its first argument: a fresh dict. `omit` returns a new map.
  let expr = maps.length === 1 ? exprOf(maps[0]) : `merge (dict) ${maps.map((m) => `(${exprOf(m)})`).join(' ')}`;
  const omit = (base: string, names: string[]) => `omit (${base}) ${names.map((k) => JSON.stringify(k)).join(' ')}`;
  const always = keys.filter((k) => k.when === true).map((k) => k.key);
  if (always.length > 0) expr = omit(expr, always);
  // Conditional keys, grouped by condition: omitted only while the chart writes them.
  const byCondition = new Map<string, string[]>();
  for (const k of keys.filter((x) => isDeferred(x.when))) {
    const cond = exprOf(k.when);
    byCondition.set(cond, [...(byCondition.get(cond) ?? []), k.key]);
  }
  for (const [cond, names] of byCondition) expr = `ternary (${omit(expr, names)}) (${expr}) (${cond})`;
  return token<Record<string, string>>('block', expr);
}

/**
 * `mergedMapValue` spread into an object, so no key is ever written twice (`podLabels` and
 * `commonLabels` both naming `team`, `podAnnotations` naming `checksum/config`):
 * `{ ...fixed, ...mergedMap([specific, common], Object.keys(fixed)) }`.
 */
export function mergedMap(maps: Array<Record<string, string>>, owned: readonly OwnedKey[] = []): Record<string, string> {
  return spread(mergedMapValue(maps, owned));
}

/**
 * Fixed keys (values may be `when`-wrapped) and the user maps merged beside them, the first
 * map winning on a shared key and the fixed keys over all of them (while they are written);
 * `alsoOwned` are further keys user maps may not set. `present` are the fixed entries that
 * exist, `user` the merged user map (to spread, or to test with `notEmpty`).
 */
export function userMapsBeside(
  fixed: Record<string, string | undefined>,
  userMaps: Array<Record<string, string>>,
  alsoOwned: readonly string[] = [],
): { present: Array<[string, string]>; user: Record<string, string> } {
  const present = Object.entries(fixed).filter(([, v]) => v !== undefined) as Array<[string, string]>;
  const owned: OwnedKey[] = [
    ...present.map(([key, v]) => ({ key, when: conditionOfValue(v) })),
    ...alsoOwned.filter((key) => !present.some(([k]) => k === key)),
  ];
  return { present, user: mergedMapValue(userMaps, owned) };
}

/** `userMapsBeside` as one object: every key written once. */
export function withUserMaps(fixed: Record<string, string | undefined>, userMaps: Array<Record<string, string>>): Record<string, string> {
  const { present, user } = userMapsBeside(fixed, userMaps);
  return { ...Object.fromEntries(present), ...spread(user) };
}

/** Lists joined in order (global.imagePullSecrets then imagePullSecrets). */
export function concatLists<T>(lists: T[][]): T[] {
  if (!lists.some(isDeferred)) return lists.flat();
  if (!lists.every(isDeferred)) throw new Error('concatLists: mix of concrete and Helm lists');
  return token<T[]>('block', `concat ${lists.map((l) => `(${exprOf(l)})`).join(' ')}`);
}

/** `value` unless it is empty, then `fallback` (a component's setting over the top-level one). */
export function orDefault<T>(value: T, fallback: T, kind: TokenKind): T {
  if (!isDeferred(value) && !isDeferred(fallback)) return notEmpty(value) ? value : fallback;
  if (!isDeferred(value) || !isDeferred(fallback)) throw new Error('orDefault: mix of concrete and Helm values');
  return token<T>(kind, `default (${exprOf(fallback)}) (${exprOf(value)})`);
}

/** `value === literal` (an enum value). */
export function equals(value: string, literal: string): boolean {
  return isDeferred(value) ? token<boolean>('bool', `eq (${exprOf(value)}) ${JSON.stringify(literal)}`) : value === literal;
}

/** `value > 0` (0 meaning "off" or "let the cluster choose"). */
export function gt0(value: number): boolean {
  return isDeferred(value) ? token<boolean>('bool', `gt (int (${exprOf(value)})) 0`) : value > 0;
}
