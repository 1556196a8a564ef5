/**
 * The GitHub workflows and every shell script of the repository:
 * - actionlint reports nothing on .github/workflows/*.yml, with shellcheck run on every
 *   `run:` script; shellcheck reports nothing on every shell script (*.sh and shebang files);
 * - every `uses:` is pinned to a 40-hex commit SHA with its release in a comment;
 * - no `run:` script pastes a workflow input (`${{ inputs.* }}`, `${{ github.event.inputs.* }}`):
 *   inputs reach scripts through `env:`;
 * - Dependabot covers the actions, npm and the Docker base image, and can read every base
 *   image of the Dockerfile (a literal `FROM image:tag`, never an ARG);
 * - every setup-node uses the Node.js major .ci/run pins;
 * - the CI, chart, deploy and publish workflows keep what they promise (docs/ci-cd.md).
 * Each check is also run on a bad sample, to show it can fail.
 *
 * actionlint and shellcheck are installed by `npm run tools:install` (cdk8s/scripts/tools-install.js).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { repoRoot } from '../src/paths';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { toolsBinDir, ACTIONLINT_VERSION } = require('../scripts/tools-paths') as { toolsBinDir: () => string; ACTIONLINT_VERSION: string };

const ROOT = repoRoot();
const WORKFLOW_DIR = path.join(ROOT, '.github', 'workflows');
const DEPENDABOT_FILE = path.join(ROOT, '.github', 'dependabot.yml');
/** Never searched for shell scripts: dependencies, installed tools, build output, local state. */
const SKIPPED_DIRS = new Set(['node_modules', '.tools', 'dist', '.git', '.local', 'coverage']);

// ---------------------------------------------------------------------------
// Tools
// ---------------------------------------------------------------------------

function tool(name: 'actionlint' | 'shellcheck'): string {
  const p = path.join(toolsBinDir(), name);
  if (!fs.existsSync(p)) {
    throw new Error(`${name} not found at ${p}. Run \`npm run tools:install\` (builds actionlint with Go, installs shellcheck from apt) first.`);
  }
  return p;
}

interface Result {
  status: number | null;
  output: string;
}

function exec(bin: string, args: string[], cwd = ROOT): Result {
  const r = spawnSync(bin, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

/** actionlint with shellcheck on every run: script (pyflakes off: no Python steps here). */
function actionlint(files: string[], cwd = ROOT): Result {
  return exec(tool('actionlint'), ['-no-color', '-oneline', '-shellcheck', tool('shellcheck'), '-pyflakes=', ...files], cwd);
}

function shellcheck(files: string[]): Result {
  return exec(tool('shellcheck'), ['--format=gcc', ...files]);
}

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------

function workflowFiles(): string[] {
  return fs
    .readdirSync(WORKFLOW_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => path.join(WORKFLOW_DIR, f));
}

function firstLine(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(160);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('latin1').split('\n')[0];
  } finally {
    fs.closeSync(fd);
  }
}

/** Every shell script under `dir`: *.sh / *.bash, or a file whose first line is a sh/bash shebang. */
function shellScripts(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name)) walk(p);
      } else if (e.isFile()) {
        if (/\.(sh|bash)$/.test(e.name) || /^#!\s*\S*(\/env\s+)?\S*\b(ba|da|k)?sh\b/.test(firstLine(p))) found.push(p);
      }
    }
  };
  walk(dir);
  return found.sort();
}

// ---------------------------------------------------------------------------
// Structural checks (each returns findings; [] means fine)
// ---------------------------------------------------------------------------

const SHA_PIN = /^([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)(\/[^@\s]+)?@([0-9a-f]{40})$/;
const VERSION_COMMENT = /^#\s*(v?\d+(?:\.\d+){2}(?:[-+][\w.]+)?)\s*$/;

interface Pin {
  action: string;
  sha: string;
  version: string;
  where: string;
}

/** Line-based (comments are not in the parsed YAML): every `uses:` must be `owner/repo[/path]@<sha> # vX.Y.Z`. */
function checkPins(text: string, file: string): { findings: string[]; pins: Pin[] } {
  const findings: string[] = [];
  const pins: Pin[] = [];
  text.split('\n').forEach((line, i) => {
    const m = /^\s*(?:-\s+)?uses:\s*(['"]?)([^\s'"#]+)\1\s*(#.*)?$/.exec(line);
    if (!m) {
      if (/^\s*(?:-\s+)?uses:/.test(line)) findings.push(`${file}:${i + 1}: cannot read this uses: line: ${line.trim()}`);
      return;
    }
    const [, , ref, comment = ''] = m;
    const where = `${file}:${i + 1}`;
    if (ref.startsWith('./')) return; // a local action is pinned by this repository's own commit
    if (ref.startsWith('docker://')) {
      if (!/@sha256:[0-9a-f]{64}$/.test(ref)) findings.push(`${where}: ${ref} is not pinned by digest`);
      return;
    }
    const pin = SHA_PIN.exec(ref);
    if (!pin) {
      findings.push(`${where}: ${ref} is not pinned to a full commit SHA`);
      return;
    }
    const version = VERSION_COMMENT.exec(comment.trim());
    if (!version) {
      findings.push(`${where}: ${ref} has no version comment (# vX.Y.Z)`);
      return;
    }
    pins.push({ action: `${pin[1]}${pin[2] ?? ''}`.toLowerCase(), sha: pin[3], version: version[1], where });
  });
  return { findings, pins };
}

/** The same action at the same SHA and version everywhere (one Dependabot bump moves them all). */
function checkPinsAgree(pins: Pin[]): string[] {
  const byAction = new Map<string, Pin[]>();
  for (const p of pins) byAction.set(p.action, [...(byAction.get(p.action) ?? []), p]);
  const findings: string[] = [];
  for (const [action, list] of byAction) {
    const variants = new Set(list.map((p) => `${p.sha} # ${p.version}`));
    if (variants.size > 1) findings.push(`${action} is pinned differently: ${list.map((p) => `${p.where} ${p.sha} # ${p.version}`).join('; ')}`);
  }
  return findings;
}

type Workflow = { jobs?: Record<string, { uses?: string; steps?: Array<Record<string, unknown>> }> };

function parseWorkflow(text: string, file: string): Workflow {
  const doc = YAML.parseDocument(text);
  if (doc.errors.length) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
  return doc.toJS() as Workflow;
}

/** Every `uses:` value the workflow really has (to cross-check the line-based reading). */
function usesValues(wf: Workflow): string[] {
  return Object.values(wf.jobs ?? {}).flatMap((job) => [
    ...(job.uses ? [job.uses] : []),
    ...(job.steps ?? []).filter((s) => typeof s.uses === 'string').map((s) => s.uses as string),
  ]);
}

const INPUT_IN_EXPRESSION = /\$\{\{(?:(?!\}\}).)*?\b(?:github\.event\.)?inputs\./s;

/** No `run:` script contains an expression that reads a workflow input. */
function checkRunScripts(wf: Workflow, file: string): string[] {
  const findings: string[] = [];
  for (const [jobId, job] of Object.entries(wf.jobs ?? {})) {
    (job.steps ?? []).forEach((step, i) => {
      if (typeof step.run === 'string' && INPUT_IN_EXPRESSION.test(step.run)) {
        findings.push(`${file}: job ${jobId}, step ${String(step.name ?? step.id ?? i + 1)}: a workflow input is pasted into run: (pass it through env:)`);
      }
    });
  }
  return findings;
}

type DependabotUpdate = {
  'package-ecosystem'?: string;
  directory?: string;
  directories?: string[];
  schedule?: { interval?: string };
  groups?: Record<string, { 'update-types'?: string[] }>;
};

/** Dependabot updates github-actions (/), npm (where package-lock.json is) and docker (where the Dockerfile is). */
function checkDependabot(config: { version?: number; updates?: DependabotUpdate[] }, root: string): string[] {
  const findings: string[] = [];
  if (config.version !== 2) findings.push('dependabot.yml: version must be 2');
  const required: Array<{ ecosystem: string; needs: string[] }> = [
    { ecosystem: 'github-actions', needs: ['.github/workflows'] },
    { ecosystem: 'npm', needs: ['package.json', 'package-lock.json'] },
    { ecosystem: 'docker', needs: ['Dockerfile'] },
  ];
  for (const { ecosystem, needs } of required) {
    const entries = (config.updates ?? []).filter((u) => u['package-ecosystem'] === ecosystem);
    if (entries.length === 0) {
      findings.push(`dependabot.yml: no ${ecosystem} updates`);
      continue;
    }
    for (const u of entries) {
      const dirs = u.directories ?? (u.directory ? [u.directory] : []);
      if (dirs.length === 0) findings.push(`dependabot.yml: ${ecosystem} has no directory`);
      for (const d of dirs) {
        for (const n of needs) {
          if (!fs.existsSync(path.join(root, d, n))) findings.push(`dependabot.yml: ${ecosystem} directory ${d} has no ${n}`);
        }
      }
      if (u.schedule?.interval !== 'weekly') findings.push(`dependabot.yml: ${ecosystem} is not weekly`);
      const grouped = Object.values(u.groups ?? {}).some((g) => ['minor', 'patch'].every((t) => g['update-types']?.includes(t)));
      if (!grouped) findings.push(`dependabot.yml: ${ecosystem} does not group minor and patch updates`);
    }
  }
  return findings;
}

/**
 * Dependabot's docker updater finds base images with this expression (FROM_LINE of
 * dependabot-core docker/lib/dependabot/docker/file_parser.rb, translated from Ruby): a line
 * it does not match, or matches without a tag or digest, is skipped. It does not expand ARG
 * (dependabot-core#2057), so `FROM ${IMAGE}` is invisible to it.
 */
const DEPENDABOT_FROM_LINE = (() => {
  const domainComponent = '(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])';
  const registry = `(?<registry>${domainComponent}(?:\\.${domainComponent})+(?::\\d+)?)`;
  const nameComponent = '(?:[a-z\\d]+(?:(?:[._]|__|[-]*)[a-z\\d]+)*)';
  const image = `(?<image>${nameComponent}(?:/${nameComponent})*)`;
  return new RegExp(
    `^[Ff][Rr][Oo][Mm]\\s+(?:--platform=(?<platform>\\S+)\\s+)?(?:${registry}/)?${image}` +
      '(?::(?<tag>[\\w][\\w.-]{0,127}))?(?:@(?<digest>[^\\s]+))?(?:\\s+AS\\s+(?<name>[\\w-]+))?',
  );
})();

/**
 * Every FROM that is not an earlier stage's name (nor `scratch`) must be a literal image
 * reference Dependabot reads whole, with a tag or digest: returns the findings, and the images.
 */
function dockerfileBaseFindings(dockerfile: string): { findings: string[]; images: string[] } {
  const findings: string[] = [];
  const images: string[] = [];
  const stages = new Set<string>();
  dockerfile.split('\n').forEach((line, i) => {
    const words = line.trim().split(/\s+/);
    if (words[0].toUpperCase() !== 'FROM') return;
    const at = words[1]?.startsWith('--platform=') ? 2 : 1;
    const ref = words[at] ?? '';
    const earlierStage = stages.has(ref.toLowerCase());
    if (words[at + 1]?.toUpperCase() === 'AS' && words[at + 2]) stages.add(words[at + 2].toLowerCase());
    if (earlierStage || ref.toLowerCase() === 'scratch') return;
    const where = `Dockerfile:${i + 1}`;
    if (ref.includes('$')) {
      findings.push(`${where}: FROM ${ref} is built from a variable: Dependabot does not expand ARG (write the image literally)`);
      return;
    }
    const m = DEPENDABOT_FROM_LINE.exec(line)?.groups;
    const read = m ? `${m.registry ? `${m.registry}/` : ''}${m.image}${m.tag ? `:${m.tag}` : ''}${m.digest ? `@${m.digest}` : ''}` : '(nothing)';
    if (!m || read !== ref) findings.push(`${where}: Dependabot reads ${read}, not ${ref}`);
    else if (!m.tag && !m.digest) findings.push(`${where}: FROM ${ref} has no tag or digest: Dependabot has no version to update`);
    else images.push(ref);
  });
  return { findings, images };
}

/** The Node.js major .ci/run runs the suite on (NODE_VERSION=24.x.y). */
function ciRunNodeMajor(): number {
  const pinned = /^NODE_VERSION=(\d+)\.\d+\.\d+$/m.exec(fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8'));
  if (!pinned) throw new Error('.ci/run has no NODE_VERSION=<major>.<minor>.<patch> line');
  return Number(pinned[1]);
}

/** Every actions/setup-node step names node-version with exactly this major. */
function setupNodeFindings(wf: Workflow, file: string, major: number): string[] {
  const findings: string[] = [];
  for (const [jobId, job] of Object.entries(wf.jobs ?? {})) {
    (job.steps ?? []).forEach((step, i) => {
      if (typeof step.uses !== 'string' || !step.uses.toLowerCase().startsWith('actions/setup-node@')) return;
      const version = (step.with as Record<string, unknown> | undefined)?.['node-version'];
      const where = `${file}: job ${jobId}, step ${String(step.name ?? step.id ?? i + 1)}`;
      const stepMajor = /^v?(\d+)(?:\.[\dx*]+){0,2}$/.exec(String(version ?? ''))?.[1];
      if (version === undefined) findings.push(`${where}: setup-node without node-version (want ${major})`);
      else if (Number(stepMajor) !== major) findings.push(`${where}: node-version ${String(version)}, .ci/run runs the suite on ${major}`);
    });
  }
  return findings;
}

type LockPackages = Record<string, { cpu?: string[]; optional?: boolean; dev?: boolean; devOptional?: boolean }>;

/**
 * npm refuses (EBADPLATFORM) a non-optional package whose "cpu" excludes the machine's,
 * unless the install omits it (--omit=dev): on linux/arm64 no Dockerfile stage may install
 * one. A stage FROM --platform=$BUILDPLATFORM runs natively (amd64) and is exempt.
 */
function arm64Findings(dockerfile: string, packages: LockPackages): string[] {
  const refuses = (cpu?: string[]) => !!cpu && (cpu.includes('!arm64') || (cpu.some((c) => !c.startsWith('!')) && !cpu.includes('arm64')));
  const x64Only = Object.entries(packages).filter(([, p]) => !p.optional && refuses(p.cpu));
  const findings: string[] = [];
  for (const stage of dockerfile.split(/^(?=FROM\s)/m).filter((s) => s.startsWith('FROM'))) {
    const from = stage.split('\n')[0].trim();
    if (/--platform=\$\{?BUILDPLATFORM\}?/.test(from)) continue;
    for (const cmd of stage.match(/npm ci[^\n]*(?:\\\n[^\n]*)*/g) ?? []) {
      const omitsDev = /--omit[= ]dev\b|--production\b/.test(cmd);
      for (const [name, p] of x64Only) {
        if (omitsDev && (p.dev || p.devOptional)) continue;
        findings.push(`${from}: \`${cmd.split('\n')[0].trim()}\` installs ${name.replace(/^.*node_modules\//, '')} (cpu ${JSON.stringify(p.cpu)}), which npm refuses on arm64`);
      }
    }
  }
  return findings;
}

// ---------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------

describe('actionlint (with shellcheck on every run: script)', () => {
  test(`actionlint ${ACTIONLINT_VERSION} is the installed one`, () => {
    expect(exec(tool('actionlint'), ['-version']).output.split('\n')[0]).toBe(ACTIONLINT_VERSION);
  });

  test('reports nothing on .github/workflows/*.yml', () => {
    const files = workflowFiles();
    expect(files.map((f) => path.basename(f))).toEqual(expect.arrayContaining(['chart-ci.yml', 'ci.yml', 'deploy.yml', 'publish-image.yml', 'rollback.yml']));
    const r = actionlint(files.map((f) => path.relative(ROOT, f)));
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  test('fails on a broken workflow: an unknown job in needs, an unquoted variable in run:', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-actionlint-'));
    try {
      fs.mkdirSync(path.join(dir, '.github', 'workflows'), { recursive: true });
      const bad = path.join('.github', 'workflows', 'bad.yml');
      fs.writeFileSync(
        path.join(dir, bad),
        ['on: push', 'jobs:', '  build:', '    runs-on: ubuntu-24.04', '    needs: [nowhere]', '    steps:', '      - run: rm -rf $TARGET/*', ''].join('\n'),
      );
      const r = actionlint([bad], dir);
      expect(r.status).toBe(1);
      expect(r.output).toMatch(/nowhere/);
      expect(r.output).toMatch(/shellcheck reported issue.*SC2086/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('shellcheck', () => {
  const scripts = shellScripts(ROOT);

  test('finds the shell scripts (*.sh and shebang files, outside node_modules/.tools/dist)', () => {
    const rel = scripts.map((s) => path.relative(ROOT, s));
    expect(rel).toEqual(expect.arrayContaining(['.ci/run', 'Backend/scripts/install-test-services.sh']));
    expect(rel.filter((s) => s.split(path.sep).some((part) => SKIPPED_DIRS.has(part)))).toEqual([]);
  });

  test('reports nothing on every shell script of the repository', () => {
    const r = shellcheck(scripts);
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  test('fails on a bad script', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-shellcheck-'));
    try {
      const bad = path.join(dir, 'bad.sh');
      fs.writeFileSync(bad, '#!/usr/bin/env bash\ncd $1\nrm -rf $TARGET/*\n');
      expect(shellScripts(dir)).toEqual([bad]);
      const r = shellcheck([bad]);
      expect(r.status).not.toBe(0);
      expect(r.output).toMatch(/SC2086/);
      expect(r.output).toMatch(/SC2164/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('actions are pinned by commit SHA with the release in a comment', () => {
  const files = workflowFiles();

  test.each(files.map((f) => [path.basename(f), f]))('%s', (_name, file) => {
    const text = fs.readFileSync(file, 'utf8');
    const { findings, pins } = checkPins(text, path.relative(ROOT, file));
    expect(findings).toEqual([]);
    // The line-based reading saw every uses: the parsed workflow has (no exotic YAML slipped by).
    const local = usesValues(parseWorkflow(text, file)).filter((u) => u.startsWith('./'));
    expect(pins.length + local.length).toBe(usesValues(parseWorkflow(text, file)).length);
  });

  test('the same action has the same pin in every workflow', () => {
    const pins = files.flatMap((f) => checkPins(fs.readFileSync(f, 'utf8'), path.relative(ROOT, f)).pins);
    expect(pins.length).toBeGreaterThan(10);
    expect(checkPinsAgree(pins)).toEqual([]);
  });

  test('fails on tags, branches, short SHAs and missing version comments', () => {
    const sample = [
      'steps:',
      '  - uses: actions/checkout@v5',
      '  - uses: actions/setup-node@main # v7.0.0',
      '  - uses: docker/login-action@4907a6d # v4.1.0',
      '  - uses: docker/login-action@4907a6ddec9925e35a0a9e82d7399ccc52663121',
      '  - uses: docker://alpine:3.20',
      '  - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1',
      '  - uses: ./.github/actions/local',
      '  - uses: actions/setup-go@b7ad1dad31e06c5925ef5d2fc7ad053ef454303e # v7',
    ].join('\n');
    const { findings, pins } = checkPins(sample, 'sample.yml');
    expect(findings).toEqual([
      'sample.yml:2: actions/checkout@v5 is not pinned to a full commit SHA',
      'sample.yml:3: actions/setup-node@main is not pinned to a full commit SHA',
      'sample.yml:4: docker/login-action@4907a6d is not pinned to a full commit SHA',
      'sample.yml:5: docker/login-action@4907a6ddec9925e35a0a9e82d7399ccc52663121 has no version comment (# vX.Y.Z)',
      'sample.yml:6: docker://alpine:3.20 is not pinned by digest',
      'sample.yml:9: actions/setup-go@b7ad1dad31e06c5925ef5d2fc7ad053ef454303e has no version comment (# vX.Y.Z)',
    ]);
    expect(pins).toEqual([{ action: 'actions/checkout', sha: '3d3c42e5aac5ba805825da76410c181273ba90b1', version: 'v7.0.1', where: 'sample.yml:7' }]);
    expect(
      checkPinsAgree([
        ...pins,
        { action: 'actions/checkout', sha: '9c091bb21b7c1c1d1991bb908d89e4e9dddfe3e0', version: 'v7.0.0', where: 'other.yml:3' },
      ]),
    ).toHaveLength(1);
  });
});

describe('workflow inputs reach run: scripts only through env', () => {
  test.each(workflowFiles().map((f) => [path.basename(f), f]))('%s', (_name, file) => {
    expect(checkRunScripts(parseWorkflow(fs.readFileSync(file, 'utf8'), file), path.basename(file))).toEqual([]);
  });

  test('fails on ${{ inputs.* }} and ${{ github.event.inputs.* }} inside run:', () => {
    const wf = parseWorkflow(
      [
        'on: workflow_dispatch',
        'jobs:',
        '  a:',
        '    runs-on: ubuntu-24.04',
        '    env:',
        '      OK: ${{ inputs.ok }}',
        '    steps:',
        '      - name: direct',
        '        run: echo "${{ inputs.ref }}"',
        '      - name: legacy',
        '        run: echo ${{github.event.inputs.ref}}',
        '      - name: inside a function',
        "        run: echo \"${{ format('{0}', inputs.ref) }}\"",
        '      - name: through env',
        '        env:',
        '          REF: ${{ inputs.ref }}',
        '        run: echo "$REF $OK"',
      ].join('\n'),
      'sample.yml',
    );
    expect(checkRunScripts(wf, 'sample.yml')).toEqual([
      'sample.yml: job a, step direct: a workflow input is pasted into run: (pass it through env:)',
      'sample.yml: job a, step legacy: a workflow input is pasted into run: (pass it through env:)',
      'sample.yml: job a, step inside a function: a workflow input is pasted into run: (pass it through env:)',
    ]);
  });
});

describe('Dependabot', () => {
  const config = YAML.parse(fs.readFileSync(DEPENDABOT_FILE, 'utf8'));

  test('updates the actions, npm and the Docker base image, weekly, minor and patch grouped', () => {
    expect(checkDependabot(config, ROOT)).toEqual([]);
  });

  test('fails when an ecosystem is missing or points where its manifest is not', () => {
    const broken = {
      version: 2,
      updates: [
        { 'package-ecosystem': 'github-actions', directory: '/', schedule: { interval: 'weekly' }, groups: { g: { 'update-types': ['minor', 'patch'] } } },
        { 'package-ecosystem': 'npm', directory: '/Backend', schedule: { interval: 'daily' } },
      ],
    };
    expect(checkDependabot(broken, ROOT)).toEqual([
      'dependabot.yml: npm directory /Backend has no package-lock.json',
      'dependabot.yml: npm is not weekly',
      'dependabot.yml: npm does not group minor and patch updates',
      'dependabot.yml: no docker updates',
    ]);
  });

  test('can read every base image of the Dockerfile: each FROM that is not a stage is a literal image:tag', () => {
    const { findings, images } = dockerfileBaseFindings(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
    expect(findings).toEqual([]);
    expect(images.length).toBeGreaterThan(0);
  });

  test('the base image check fails on an ARG in FROM, a variable tag and a missing tag, not on stage names or scratch', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const sample = [
      'ARG NODE_IMAGE=node:24-bookworm-slim',
      'FROM --platform=$BUILDPLATFORM ${NODE_IMAGE} AS build',
      'FROM node:${NODE_MAJOR}-bookworm-slim AS deps',
      'FROM node AS untagged',
      'FROM build AS test',
      `FROM --platform=$BUILDPLATFORM docker.io/library/node:24-bookworm-slim@${digest} AS pinned`,
      'FROM ghcr.io/owner/tool:1.2.3',
      'FROM scratch',
      '',
    ].join('\n');
    expect(dockerfileBaseFindings(sample)).toEqual({
      findings: [
        'Dockerfile:2: FROM ${NODE_IMAGE} is built from a variable: Dependabot does not expand ARG (write the image literally)',
        'Dockerfile:3: FROM node:${NODE_MAJOR}-bookworm-slim is built from a variable: Dependabot does not expand ARG (write the image literally)',
        'Dockerfile:4: FROM node has no tag or digest: Dependabot has no version to update',
      ],
      images: [`docker.io/library/node:24-bookworm-slim@${digest}`, 'ghcr.io/owner/tool:1.2.3'],
    });
  });

  test('nothing claims Renovate, which is not used', () => {
    const files = [...workflowFiles(), DEPENDABOT_FILE, path.join(ROOT, 'Dockerfile')];
    const claims = files.flatMap((f) =>
      fs
        .readFileSync(f, 'utf8')
        .split('\n')
        .map((line, i) => ({ where: `${path.relative(ROOT, f)}:${i + 1}`, line }))
        .filter(({ line }) => /renovate/i.test(line)),
    );
    expect(claims).toEqual([]);
  });
});

describe('every setup-node uses the Node.js major .ci/run runs the suite on', () => {
  const major = ciRunNodeMajor();

  test.each(workflowFiles().map((f) => [path.basename(f), f]))('%s', (_name, file) => {
    expect(setupNodeFindings(parseWorkflow(fs.readFileSync(file, 'utf8'), file), path.basename(file), major)).toEqual([]);
  });

  test('every workflow that sets up Node.js is checked (ci, chart CI, publish)', () => {
    const withNode = workflowFiles().filter((f) => /uses:\s*actions\/setup-node@/.test(fs.readFileSync(f, 'utf8')));
    expect(withNode.map((f) => path.basename(f))).toEqual(expect.arrayContaining(['chart-ci.yml', 'ci.yml', 'publish-image.yml']));
  });

  test('fails on another major, a missing node-version and an unreadable one', () => {
    const wf = parseWorkflow(
      [
        'on: push',
        'jobs:',
        '  a:',
        '    runs-on: ubuntu-24.04',
        '    steps:',
        '      - name: old',
        '        uses: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 # v7.0.0',
        '        with: { node-version: 20 }',
        '      - name: none',
        '        uses: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 # v7.0.0',
        '      - name: lts',
        '        uses: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 # v7.0.0',
        '        with: { node-version: lts/* }',
        '      - name: same major',
        '        uses: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 # v7.0.0',
        "        with: { node-version: '24.x' }",
        '      - name: exact',
        '        uses: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 # v7.0.0',
        '        with: { node-version: v24.21.0 }',
      ].join('\n'),
      'sample.yml',
    );
    expect(setupNodeFindings(wf, 'sample.yml', 24)).toEqual([
      'sample.yml: job a, step old: node-version 20, .ci/run runs the suite on 24',
      'sample.yml: job a, step none: setup-node without node-version (want 24)',
      'sample.yml: job a, step lts: node-version lts/*, .ci/run runs the suite on 24',
    ]);
  });
});

describe('what the workflows promise (docs/ci-cd.md)', () => {
  const read = (name: string) => fs.readFileSync(path.join(WORKFLOW_DIR, name), 'utf8');
  const workflow = (name: string) => parseWorkflow(read(name), name) as Record<string, any>;
  const runs = (wf: Record<string, any>) =>
    Object.values(wf.jobs as Record<string, any>)
      .flatMap((j) => (j.steps ?? []) as Array<Record<string, any>>)
      .map((s) => String(s.run ?? ''))
      .join('\n');

  test('CI: .ci/run within 90 minutes, with ~/.cache/kryptovault-tools restored before it and saved after it', () => {
    const wf = workflow('ci.yml');
    const job = wf.jobs.test;
    expect(job['timeout-minutes']).toBe(90);
    const steps = job.steps as Array<Record<string, any>>;
    const runAt = steps.findIndex((s) => String(s.run ?? '').trim() === 'bash .ci/run');
    const restoreAt = steps.findIndex((s) => String(s.uses).startsWith('actions/cache/restore@'));
    const saveAt = steps.findIndex((s) => String(s.uses).startsWith('actions/cache/save@'));
    expect(runAt).toBeGreaterThan(0);
    expect(restoreAt).toBeGreaterThanOrEqual(0);
    expect(restoreAt).toBeLessThan(runAt);
    expect(saveAt).toBeGreaterThan(runAt);
    const restore = steps[restoreAt];
    const save = steps[saveAt];
    expect(restore.with.path).toBe('~/.cache/kryptovault-tools');
    expect(save.with.path).toBe(restore.with.path);
    // The save step stores exactly the key the restore step missed, and only on a miss.
    expect(save.with.key).toBe(`\${{ steps.${restore.id}.outputs.cache-primary-key }}`);
    expect(String(save.if)).toMatch(/!cancelled\(\)/);
    const guard = steps.find((s) => String(save.if).includes(`steps.${s.id}.outputs.`));
    expect(String(guard?.if)).toContain(`steps.${restore.id}.outputs.cache-hit != 'true'`);
    // A restore-key fallback would bring back binaries built from older pins.
    expect(restore.with['restore-keys']).toBeUndefined();

    // The key hashes every script that writes into the tools cache and every input it builds
    // from ("$HERE/<file>", or go.mod/go.sum of "$HERE/<dir>"), and names only existing files.
    const hashed = [...String(restore.with.key).matchAll(/'([^']+)'/g)].map((m) => m[1]);
    expect(String(restore.with.key)).toMatch(/^kryptovault-tools-\$\{\{ runner\.os \}\}-\$\{\{ runner\.arch \}\}-\$\{\{ hashFiles\(/);
    expect(hashed.filter((f) => !fs.existsSync(path.join(ROOT, f)))).toEqual([]);
    const writers = shellScripts(ROOT).filter((f) =>
      fs
        .readFileSync(f, 'utf8')
        .split('\n')
        .some((line) => !line.trim().startsWith('#') && line.includes('/kryptovault-tools')),
    );
    const needed = writers.flatMap((script) => {
      const rel = path.relative(ROOT, script);
      const inputs = [...fs.readFileSync(script, 'utf8').matchAll(/"\$HERE\/([^"$]+)"/g)].map((m) => path.join(path.dirname(rel), m[1]));
      return [
        rel,
        ...inputs.flatMap((p) =>
          fs.statSync(path.join(ROOT, p)).isDirectory() ? ['go.mod', 'go.sum'].map((f) => path.join(p, f)).filter((f) => fs.existsSync(path.join(ROOT, f))) : [p],
        ),
      ];
    });
    expect(needed).toEqual(expect.arrayContaining(['.ci/run', 'tools/cluster/cluster.sh', 'tools/cluster/go/go.sum']));
    expect(needed.filter((f) => !hashed.includes(f))).toEqual([]);
  });

  test('chart CI: path filters, pinned kind node image, synth freshness, ct lint with the version check, production values installed', () => {
    const wf = workflow('chart-ci.yml');
    for (const event of ['pull_request', 'push']) {
      expect(wf.on[event].paths).toEqual(expect.arrayContaining(['cdk8s/**', 'package-lock.json', '.dockerignore', 'Dockerfile', 'charts/**', 'Backend/**']));
    }
    const kind = wf.jobs.kind.steps.find((s: any) => String(s.uses).startsWith('helm/kind-action@'));
    expect(kind.with.node_image).toMatch(/^kindest\/node:v\d+\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
    expect(kind.with.version).toMatch(/^v\d+\.\d+\.\d+$/);
    const lint = runs({ jobs: { lint: wf.jobs.lint } });
    expect(lint.indexOf('npm run synth')).toBeGreaterThanOrEqual(0);
    expect(lint.indexOf('npm run synth')).toBeLessThan(lint.indexOf('ct lint'));
    expect(lint).toMatch(/ct lint --config \.github\/ct\.yaml --target-branch "\$BASE_REF" --check-version-increment/);
    expect(fs.existsSync(path.join(ROOT, '.github', 'ct.yaml'))).toBe(true);
    expect(runs({ jobs: { kind: wf.jobs.kind } })).toMatch(/helm install [^\n]*\n\s*-f "\$CHART\/ci\/production-values\.yaml"/);
  });

  test('deploy: chart and image from the same ref, --atomic, helm test, rollback when the test fails', () => {
    const wf = workflow('deploy.yml');
    const steps = wf.jobs.deploy.steps as Array<Record<string, any>>;
    const checkout = steps.find((s) => String(s.uses).startsWith('actions/checkout@'));
    expect(checkout?.with?.ref).toBe('${{ inputs.ref }}');
    const script = runs(wf);
    expect(script).toMatch(/imagetools inspect "\$IMAGE_REPOSITORY:sha-\$commit"/);
    expect(script).toMatch(/helm upgrade --install[\s\S]*--atomic --wait/);
    expect(script).toMatch(/if helm test [^\n]*; then[\s\S]*helm rollback "\$RELEASE" "\$PREVIOUS_REVISION"[\s\S]*exit 1/);
  });

  test('publish: amd64 and arm64, SBOM, max provenance, and each of them scanned, failing on any critical finding, before the push', () => {
    const wf = workflow('publish-image.yml');
    const steps = wf.jobs.publish.steps as Array<Record<string, any>>;
    const push = steps.find((s) => s.id === 'build');
    expect(push?.with?.push).toBe(true);
    const platforms = String(push?.with?.platforms).replace('${{ env.PLATFORMS }}', wf.env.PLATFORMS).split(',').sort();
    expect(platforms).toEqual(['linux/amd64', 'linux/arm64']);
    expect(push?.with?.sbom).toBe(true);
    expect(push?.with?.provenance).toBe('mode=max');
    const scans = steps.filter((s) => String(s.uses).startsWith('aquasecurity/trivy-action@'));
    expect(scans.length).toBeGreaterThan(0);
    const scanned: string[] = [];
    for (const scan of scans) {
      expect(steps.indexOf(scan)).toBeLessThan(steps.indexOf(push!));
      // Every CRITICAL finding fails, whether a fixed version exists or not.
      expect(scan.with).toMatchObject({ severity: 'CRITICAL', 'exit-code': '1', 'ignore-unfixed': false });
      // The scanned image is one the workflow built and loaded before the scan, for one platform.
      const built = steps.find((s) => String(s.uses).startsWith('docker/build-push-action@') && s.with?.tags === scan.with['image-ref']);
      expect(built?.with).toMatchObject({ load: true, push: false });
      expect(steps.indexOf(built!)).toBeLessThan(steps.indexOf(scan));
      expect(String(built!.with.platforms)).toMatch(/^linux\/[\w]+$/);
      // Built like the pushed image: the same base (digest-pinned context) and build arguments.
      expect(built!.with['build-contexts']).toBe(push!.with['build-contexts']);
      expect(built!.with['build-args']).toBe(push!.with['build-args']);
      scanned.push(built!.with.platforms);
    }
    expect(scanned.sort()).toEqual(platforms);
    expect(steps.some((s) => String(s.uses).startsWith('docker/setup-qemu-action@'))).toBe(true);
  });

  test('publish: no Dockerfile stage installs a package that refuses arm64', () => {
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: LockPackages };
    expect(arm64Findings(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'), lock.packages)).toEqual([]);
  });

  test('the arm64 check fails on a stage that installs an x64-only package, not when that stage runs on $BUILDPLATFORM or omits it', () => {
    const packages: LockPackages = {
      'node_modules/native-x64': { cpu: ['x64'], dev: true },
      'node_modules/optional-x64': { cpu: ['x64'], optional: true },
      'node_modules/any': {},
    };
    const stages = (buildFrom: string) =>
      [`FROM ${buildFrom} AS build`, 'RUN npm ci --ignore-scripts', 'FROM node:24 AS prod-deps', 'RUN npm ci --omit=dev \\', '  --ignore-scripts', ''].join('\n');
    expect(arm64Findings(stages('node:24'), packages)).toEqual([
      'FROM node:24 AS build: `npm ci --ignore-scripts` installs native-x64 (cpu ["x64"]), which npm refuses on arm64',
    ]);
    expect(arm64Findings(stages('--platform=$BUILDPLATFORM node:24'), packages)).toEqual([]);
  });
});
