# regionctl run: the GitOps controller as a container.
#
# Build:  docker build -t regionctl .
# Run:    docker run -p 8080:8080 -e REGIONCTL_GIT_URL=https://github.com/org/infra.git \
#           -e REGIONCTL_GIT_TOKEN=... -e REGIONCTL_WEBHOOK_SECRET_GITHUB=... regionctl
#
# Configured by environment variables (the full list: controller/commands/run.ts and the
# README). Set here: where it listens (the HEALTHCHECK and EXPOSE use the same port),
# which files are manifests, and where the working copy of the repository lives. Others
# a deployment sets: REGIONCTL_GIT_URL (required), REGIONCTL_GIT_BRANCH (main),
# REGIONCTL_GIT_TOKEN or REGIONCTL_GIT_SSH_KEY_FILE, REGIONCTL_WEBHOOK_SECRET_GITHUB /
# _GITLAB / _GENERIC, REGIONCTL_TRIGGER_TOKEN, REGIONCTL_MODE (apply | plan-only),
# REGIONCTL_RESYNC (*/5 * * * *), REGIONCTL_LEASE_TABLE with REGIONCTL_LEASE_SECONDS (30)
# for several replicas, REGIONCTL_LOG_LEVEL. AWS credentials come from the SDK's chain
# (task role, IRSA, AWS_PROFILE with a mounted config); AWS_REGION for the lease table.
#
# test/container/image.test.ts builds this file with buildah (test/container/image.sh) on a
# base made from Debian packages, runs the image, and checks its invariants and hadolint.

# The official Node image, pinned by digest (the multi-platform index of node:24-bookworm-slim,
# Node 24.19.0, as published on 25 Aug 2026; docker-library/repo-info,
# repos/node/remote/24-bookworm-slim.md). To move it: `docker buildx imagetools inspect
# node:24-bookworm-slim` prints the current digest. The tests pass another base
# (--build-arg NODE_IMAGE=...) since no registry is reachable where they run.
ARG NODE_IMAGE=node:24-bookworm-slim@sha256:a9f5f7c91a432850b2a8a7797adf5eadb6c733ceed61167806cee7ea7fbc29df

# ---- build: compile TypeScript, then drop devDependencies ----
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
# --ignore-scripts: no dependency's install script runs; we build explicitly below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY schemas ./schemas
COPY controller ./controller
COPY handlers ./handlers
RUN npm run build && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime: production dependencies, compiled code, git for the git source ----
FROM ${NODE_IMAGE} AS runtime
# tini runs as PID 1: it reaps the git processes the controller starts and passes SIGTERM to
# node. Debian's versions are not pinned: the base is, and its security updates should flow in.
# hadolint ignore=DL3008
RUN apt-get update && apt-get install -y --no-install-recommends git openssh-client ca-certificates tini && rm -rf /var/lib/apt/lists/*
RUN groupadd --gid 10001 regionctl && useradd --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin regionctl
WORKDIR /app
ENV NODE_ENV=production
ENV REGIONCTL_LISTEN=0.0.0.0:8080
ENV REGIONCTL_MANIFESTS=manifests/*.yaml
ENV REGIONCTL_GIT_DIR=/home/regionctl/source
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/schemas ./schemas
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The CLI's entry point, named here only (absolute, so it runs from any working directory):
# `docker run IMAGE` runs the controller; `docker run -v "$PWD:/work" -w /work IMAGE diff
# manifests/app.yaml` (or --version) any other command.
ENTRYPOINT ["tini", "--", "node", "/app/dist/controller/cli.js"]
CMD ["run"]
