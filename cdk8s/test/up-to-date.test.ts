/** The committed chart and k8s/ must equal a fresh `npm run synth`. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../src/paths';
import { GENERATED_DIRS, synthesizeAll } from '../src/render/synthesize';

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(p) : [p];
  });
}

test('committed generated files equal a fresh synth (run `npm run synth` and commit)', () => {
  const root = repoRoot();
  const fresh = synthesizeAll();
  const committed = GENERATED_DIRS.flatMap((d) => listFiles(path.join(root, d))).map((f) => path.relative(root, f));
  expect(committed.sort()).toEqual([...fresh.keys()].sort());
  for (const [rel, content] of fresh) expect({ file: rel, content: fs.readFileSync(path.join(root, rel), 'utf8') }).toEqual({ file: rel, content });
});

test('synthesis is deterministic', () => {
  const a = synthesizeAll();
  const b = synthesizeAll();
  expect([...a.entries()]).toEqual([...b.entries()]);
});
