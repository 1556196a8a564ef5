/** Chart metadata and docs: versions from one place each, a README whose values table is the schema. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { walkLeaves } from '../src/config/schema-dsl';
import { configSchema } from '../src/config/values';
import { repoRoot } from '../src/paths';
import { CHART_DIR } from './helpers/helm';

const version = (file: string) => JSON.parse(fs.readFileSync(path.join(repoRoot(), file), 'utf8')).version as string;

test('appVersion is the root package.json version (the Backend has the same); the chart version is cdk8s/package.json', () => {
  const chart = YAML.parse(fs.readFileSync(path.join(CHART_DIR, 'Chart.yaml'), 'utf8'));
  expect(chart.appVersion).toBe(version('package.json'));
  expect(version('Backend/package.json')).toBe(version('package.json'));
  expect(chart.version).toBe(version('cdk8s/package.json'));
  expect(chart).toMatchObject({ home: expect.stringMatching(/^https:\/\//), sources: [expect.stringMatching(/^https:\/\//)], icon: expect.stringMatching(/\.svg$/) });
  expect(chart.maintainers[0]).toMatchObject({ name: expect.any(String), email: expect.stringContaining('@') });
  // The icon the chart points at is in the repository.
  expect(fs.existsSync(path.join(repoRoot(), 'docs', 'img', path.basename(chart.icon)))).toBe(true);
});

test('the chart README lists every value with its default, and nothing else', () => {
  const readme = fs.readFileSync(path.join(CHART_DIR, 'README.md'), 'utf8');
  const listed = [...readme.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
  const leaves: string[] = [];
  walkLeaves(configSchema, (p) => leaves.push(p.join('.')));
  expect(listed).toEqual(leaves);
  expect(readme).toContain('| `api.replicaCount` | int | `2` |');
  expect(readme).toContain('| `image.pullPolicy` | `IfNotPresent` \\| `Always` \\| `Never` | `"IfNotPresent"` |');
});
