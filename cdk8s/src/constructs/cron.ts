/** Cron expression check (standard 5-field syntax as the CronJob controller accepts it). */
const FIELDS: Array<{ name: string; min: number; max: number; names?: string[] }> = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];
const MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/** Problems with `expr`, empty when it is valid. */
export function cronProblems(expr: string): string[] {
  if (MACROS.has(expr)) return [];
  const parts = expr.split(' ');
  if (parts.length !== 5 || parts.some((p) => p === '')) return [`"${expr}" must have 5 fields separated by single spaces`];
  const problems: string[] = [];
  parts.forEach((part, i) => {
    const f = FIELDS[i];
    for (const item of part.split(',')) {
      const m = /^(\*|([0-9a-z]+)(?:-([0-9a-z]+))?)(?:\/([0-9]+))?$/.exec(item);
      if (!m) {
        problems.push(`${f.name} "${item}" is not valid`);
        continue;
      }
      const num = (v: string) => {
        const idx = f.names?.indexOf(v) ?? -1;
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
