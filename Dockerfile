# syntax=docker/dockerfile:1
# One image for every SyncFrame process: `syncframe scheduler | worker | board | migrate` and the
# rest of the CLI. The default command is a worker (the process a fleet runs most of).
#   docker build -t syncframe .
#   docker run --rm syncframe --help
#
# The base image is pinned by tag. Pin it by digest too where you build
# (`docker buildx imagetools inspect node:20.20.2-bookworm-slim`, then `node:20.20.2-bookworm-slim@sha256:…`):
# the digest could not be looked up on the offline machine this file was written on.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# --- build: every dependency, then the Nx build of every workspace (tsc) ---------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# .dockerignore keeps node_modules, dist, tests, local config and secrets out of the context.
COPY . .
# Install scripts off: none is needed to build, and some dev-only packages (testcontainers' ssh2)
# would try to compile native code the slim image has no toolchain for. So the root `prepare` does
# not run either: the next step is what it runs, the Nx build of every workspace (`nx run-many -t build`).
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
# The fake Airtable/Webflow APIs that `syncframe demo` runs are a package of their own (libs/fakes) and
# ship; the private test kit (libs/test-kit) has no build and no dist/, so only its manifest is staged.
RUN npm run build
# Stage what the runtime needs, workspace by workspace (the list comes from package.json, so a new
# workspace is picked up): the manifests alone for the production install, plus dist/ for the image.
RUN set -eu; \
    mkdir -p /out/manifests /out/app; \
    cp package.json package-lock.json /out/manifests/; \
    cp package.json /out/app/; \
    for ws in $(node -p "require('./package.json').workspaces.join(' ')"); do \
      mkdir -p "/out/manifests/$ws" "/out/app/$ws"; \
      cp "$ws/package.json" "/out/manifests/$ws/"; \
      cp "$ws/package.json" "/out/app/$ws/"; \
      [ -d "$ws/dist" ] || continue; \
      cp -R "$ws/dist" "/out/app/$ws/dist"; \
      find "/out/app/$ws/dist" \( -name '*.tsbuildinfo' -o -name '*.map' \) -delete; \
    done; \
    cp -R libs/linkindex/migrations /out/app/libs/linkindex/migrations; \
    cp -R libs/linkindex/migrations-sqlite /out/app/libs/linkindex/migrations-sqlite; \
    cp -R apps/cli/bin /out/manifests/apps/cli/bin; \
    cp -R apps/cli/bin /out/app/apps/cli/bin

# --- deps: production dependencies only (workspaces linked, no dev tools, no install scripts) ------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY --from=build /out/manifests/ ./
# Scripts off: `prepare` would run the build, and the only production package with an install
# script (msgpackr-extract) ships prebuilt binaries as optional dependencies.
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# --- runtime ----------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    SYNCFRAME_HEALTH_PORT=8080
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /out/app/ ./
COPY deploy/docker/healthcheck.mjs ./healthcheck.mjs
# The node image's `node` user, by number so Kubernetes can check runAsNonRoot. The app files stay
# owned by root: the process cannot change its own code.
USER 1000:1000
# 3000: the board (PORT); 8080: the worker's /livez and /readyz (SYNCFRAME_HEALTH_PORT).
EXPOSE 3000 8080
# Works for whatever command the container runs: the worker's /livez, the board's /healthz, Redis
# for the scheduler (it has no endpoint), nothing for one-shot commands (deploy/docker/healthcheck.mjs).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["node", "/app/healthcheck.mjs"]
# node is PID 1 (never npm, which does not forward signals); the CLI stops its processes cleanly on
# SIGTERM (the worker lets its runs finish for SYNCFRAME_SHUTDOWN_GRACE_MS).
ENTRYPOINT ["node", "/app/apps/cli/bin/syncframe.js"]
CMD ["worker"]
