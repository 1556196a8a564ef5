/**
 * Deterministic YAML for synthesized objects, and the chart post-processing that turns
 * Helm tokens and structural markers (see helm/expr.ts) into template actions.
 */
import * as YAML from 'yaml';
import { COND_KEY, ITEM_COND_KEY, register, lookup, splitTokens, TOKEN_PATTERN } from '../helm/expr';

const STRINGIFY: YAML.ToStringOptions = { lineWidth: 0, minContentWidth: 0, indentSeq: true };

/** Stable, readable order: apiVersion, kind, metadata first; then alphabetical. */
const FIRST_KEYS = ['apiVersion', 'kind', 'metadata', 'name', 'namespace'];
function compareKeys(a: string, b: string): number {
  const ia = FIRST_KEYS.indexOf(a);
  const ib = FIRST_KEYS.indexOf(b);
  if (ia !== -1 || ib !== -1) return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib);
  return a < b ? -1 : a > b ? 1 : 0;
}

function isCond(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && COND_KEY in v;
}
function isItemCond(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && ITEM_COND_KEY in v;
}

/** Replaces condition markers by marker keys the text pass understands; orders keys. */
function markStructure(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => {
      if (!isItemCond(item)) return markStructure(item);
      const inner = markStructure(item.value);
      if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) {
        throw new Error('conditional list items must be objects');
      }
      return { [`KVIFITEM${register('cond', item[ITEM_COND_KEY] as string)}KV`]: 'item', ...(inner as object) };
    });
  }
  if (typeof value !== 'object' || value === null) return value;
  const plain: Array<[string, unknown]> = [];
  const conditional: Array<[string, unknown]> = [];
  const spreads: Array<[string, unknown]> = [];
  for (const key of Object.keys(value).sort(compareKeys)) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue;
    if (key.startsWith('KVSPREAD') || key.startsWith('KVIFITEM')) spreads.push([key, v]);
    else if (isCond(v)) conditional.push([`KVIF${register('cond', v[COND_KEY] as string)}KV${key}`, markStructure(v.value)]);
    else plain.push([key, markStructure(v)]);
  }
  // Item markers first (they carry the list dash); conditional keys after plain ones so an
  // item never starts with a key that may vanish; spreads last.
  const itemMarkers = spreads.filter(([k]) => k.startsWith('KVIFITEM'));
  const mapSpreads = spreads.filter(([k]) => k.startsWith('KVSPREAD'));
  return Object.fromEntries([...itemMarkers, ...plain, ...conditional, ...mapSpreads]);
}

/** Concrete objects: plain YAML (throws if a Helm token slipped in). */
export function toPlainYaml(obj: unknown): string {
  const text = YAML.stringify(markStructure(obj), STRINGIFY);
  if (/KVT[sibrk][0-9a-f]{12}KV|KVIF|KVSPREAD|KVLSPREAD/.test(text)) throw new Error('Helm token in plain manifest output');
  return text;
}

/** Escapes literal `{{`/`}}` (e.g. Prometheus alert templates) so Helm prints them verbatim. */
export function escapeTemplateDelims(s: string): string {
  return s.replace(/\{\{|\}\}/g, (m) => (m === '{{' ? '{{ "{{" }}' : '{{ "}}" }}'));
}

function jsonEscape(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

function renderScalar(raw: string, keyColumn: number | undefined): string {
  if (/^[|>]/.test(raw.trim())) throw new Error(`Helm token in a multi-line string: ${raw}`);
  const value = YAML.parse(raw) as unknown;
  if (typeof value !== 'string') throw new Error(`unexpected token scalar ${raw}`);
  const parts = splitTokens(value);
  if (parts.length === 1 && typeof parts[0] !== 'string') {
    const t = parts[0];
    switch (t.kind) {
      case 'str':
        return `{{ ${t.expr} | quote }}`;
      case 'block':
        if (keyColumn === undefined) throw new Error('block token must be a map value');
        return `{{- toYaml (${t.expr}) | nindent ${keyColumn + 2} }}`;
      default:
        return `{{ ${t.expr} }}`;
    }
  }
  // A longer string with tokens inside: a double-quoted YAML string with actions spliced in.
  return `"${parts.map((p) => (typeof p === 'string' ? escapeTemplateDelims(jsonEscape(p)) : `{{ ${p.expr} }}`)).join('')}"`;
}

const INDENT = (line: string) => line.length - line.trimStart().length;

/** Chart objects: YAML with Helm actions. */
export function toHelmTemplate(obj: unknown, condition?: string): string {
  const text = YAML.stringify(markStructure(obj), STRINGIFY);
  const out: string[] = [];
  const open: number[] = []; // thresholds of open `{{- if }}` blocks
  let pendingDash: number | undefined;
  for (let line of text.replace(/\n$/, '').split('\n')) {
    const indent = INDENT(line);
    while (open.length > 0 && indent <= open[open.length - 1] && line.trim() !== '') {
      open.pop();
      out.push('{{- end }}');
    }
    if (pendingDash !== undefined) {
      // First real key of a conditional list item takes over the dash.
      line = `${' '.repeat(pendingDash)}- ${line.slice(pendingDash + 2)}`;
      pendingDash = undefined;
    }
    let m: RegExpExecArray | null;
    if ((m = /^( *)- KVIFITEM([0-9a-f]{12})KV: item$/.exec(line))) {
      out.push(`{{- if ${lookup(m[2])} }}`);
      open.push(m[1].length);
      pendingDash = m[1].length;
      continue;
    }
    if ((m = /^( *)(- )?KVIF([0-9a-f]{12})KV(.*)$/.exec(line))) {
      if (m[2]) throw new Error(`a list item must not start with a conditional key: ${line}`);
      out.push(`{{- if ${lookup(m[3])} }}`);
      open.push(m[1].length);
      line = `${m[1]}${m[4]}`;
    }
    if ((m = /^( *)KVSPREAD([0-9a-f]{12})KV: spread$/.exec(line))) {
      out.push(`{{- with ${lookup(m[2])} }}{{- toYaml . | nindent ${m[1].length} }}{{- end }}`);
      continue;
    }
    if ((m = /^( *)- KVLSPREAD([0-9a-f]{12})KV$/.exec(line))) {
      out.push(`{{- with ${lookup(m[2])} }}{{- toYaml . | nindent ${m[1].length} }}{{- end }}`);
      continue;
    }
    if (!new RegExp(TOKEN_PATTERN.source).test(line)) {
      out.push(escapeTemplateDelims(line));
      continue;
    }
    const km = /^( *)((?:- )*)([^\s'"-][^:]*?: |"[^"]*": )?(.*)$/.exec(line)!;
    const prefix = `${km[1]}${km[2]}${km[3] ?? ''}`;
    const keyColumn = km[3] !== undefined ? km[1].length + km[2].length : undefined;
    const rendered = renderScalar(km[4], keyColumn);
    out.push(rendered.startsWith('{{-') ? `${prefix.trimEnd()} ${rendered}` : `${escapeTemplateDelims(prefix)}${rendered}`);
  }
  while (open.pop() !== undefined) out.push('{{- end }}');
  const body = out.join('\n');
  return condition ? `{{- if ${condition} }}\n${body}\n{{- end }}\n` : `${body}\n`;
}
