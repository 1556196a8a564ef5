/** Cron expression check (standard 5-field syntax as the CronJob controller accepts it). */
const FIELDS: Array<{ name: string; min: number; max: number; names?: string[] }> = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];
const MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/** A regex alternative matching exactly the integers min..max (with an optional leading zero). */
function numberPattern(min: number, max: number): string {
  return Array.from({ length: max - min + 1 }, (_, i) => String(min + i))
    .sort((a, b) => b.length - a.length)
    .map((n) => (n.length === 1 ? `0?${n}` : n))
    .join('|');
}

/**
 * The same syntax as a JSON-schema pattern (values.schema.json, so `helm install` refuses what
 * synth refuses), generated from FIELDS: values in range, names in either case (as the CronJob
 * controller reads them). Only a reversed range (5-1) passes the pattern and fails cronProblems.
 */
export const CRON_PATTERN = (() => {
  const field = (f: (typeof FIELDS)[number]) => {
    const value = `(${numberPattern(f.min, f.max)}${f.names ? `|${f.names.map((n) => `[${n[0]}${n[0]!.toUpperCase()}][${n[1]}${n[1]!.toUpperCase()}][${n[2]}${n[2]!.toUpperCase()}]`).join('|')}` : ''})`;
    const item = `(\\*|${value}(-${value})?)(/[0-9]+)?`;
    return `${item}(,${item})*`;
  };
  return `^((${MACROS.join('|')})|${FIELDS.map(field).join(' ')})$`;
})();

/** Problems with `expr`, empty when it is valid. */
export function cronProblems(expr: string): string[] {
  if (MACROS.includes(expr)) return [];
  const parts = expr.split(' ');
  if (parts.length !== 5 || parts.some((p) => p === '')) return [`"${expr}" must have 5 fields separated by single spaces`];
  const problems: string[] = [];
  parts.forEach((part, i) => {
    const f = FIELDS[i];
    for (const item of part.split(',')) {
      const m = /^(\*|([0-9A-Za-z]+)(?:-([0-9A-Za-z]+))?)(?:\/([0-9]+))?$/.exec(item);
      if (!m) {
        problems.push(`${f.name} "${item}" is not valid`);
        continue;
      }
      const num = (v: string) => {
        const idx = f.names?.indexOf(v.toLowerCase()) ?? -1;
        if (idx >= 0) return idx + f.min;
        return /^[0-9]+$/.test(v) ? Number(v) : NaN;
      };
      for (const v of [m[2], m[3]].filter((x) => x !== undefined)) {
        const n = num(v);
        if (Number.isNaN(n) || n < f.min || n > f.max) problems.push(`${f.name} ${v} is outside ${f.min}-${f.max}`);
      }
      if (m[3] !== undefined && num(m[3]) < num(m[2])) problems.push(`${f.name} range ${m[2]}-${m[3]} is reversed`);
      if (m[4] !== undefined && Number(m[4]) < 1) problems.push(`${f.name} step must be >= 1`);
    }
  });
  return problems;
}
