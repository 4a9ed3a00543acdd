# regionctl run: the GitOps controller as a container.
#
# Build:  docker build -t regionctl .
# Run:    docker run -p 8080:8080 -e REGIONCTL_GIT_URL=... -e REGIONCTL_WEBHOOK_SECRET=... regionctl
#
# Configured by environment variables (README, "Running the controller"); the defaults
# below are the ones that concern the image itself. AWS credentials come from the usual
# chain (task role, IRSA, AWS_PROFILE with a mounted config).
#
# test/container/reproduce-image.ts replays this file's COPY, RUN, ENV and ENTRYPOINT
# lines outside Docker, and test/container/image.test.ts checks this file's invariants:
# keep the instructions simple (one command per RUN, no shell tricks) so they replay.

ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: compile TypeScript, then drop devDependencies ----
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
# --ignore-scripts: no dependency's install script runs; we build explicitly below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY schemas ./schemas
COPY controller ./controller
COPY handlers ./handlers
RUN npm run build
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime: production dependencies, compiled code, git for the git source ----
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends git openssh-client ca-certificates && rm -rf /var/lib/apt/lists/*
RUN groupadd --gid 10001 regionctl && useradd --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin regionctl
WORKDIR /app
ENV NODE_ENV=production
ENV REGIONCTL_PORT=8080
ENV REGIONCTL_WORKDIR=/home/regionctl/work
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/schemas ./schemas
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD node -e "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "dist/controller/cli.js", "run"]
