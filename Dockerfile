# syntax=docker/dockerfile:1
# The mfa-chain API: the built service with its production dependencies only, run as a non-root user.
#
#   docker build -t mfa-chain-api .          (from the repository root; compose.yaml does this for you)
#
# Not built in this repository: its machines have no Docker engine. apps/api/test/deploy-files.test.ts parses this
# file (pinned base images, a non-root USER, a HEALTHCHECK on a route the API serves), and the same steps — pnpm
# install from the lockfile, pnpm build, pnpm deploy --prod, node dist/main.js — were run by hand outside Docker.
# Base images are pinned to an exact version; for production, pin the digest too, e.g.
#   FROM node:20.20.2-bookworm-slim@sha256:<digest from `docker buildx imagetools inspect node:20.20.2-bookworm-slim`>

# ---------------------------------------------------------------------------------------------------------- build
FROM node:20.20.2-bookworm-slim AS build
ENV CI=true
RUN npm install --global pnpm@10.34.8
WORKDIR /src

# Dependencies first, from the lockfile alone: this layer is reused until pnpm-lock.yaml changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN --mount=type=cache,id=mfa-chain-pnpm,target=/pnpm-store pnpm fetch --frozen-lockfile --store-dir /pnpm-store

COPY . .
RUN --mount=type=cache,id=mfa-chain-pnpm,target=/pnpm-store pnpm install --offline --frozen-lockfile --store-dir /pnpm-store
# Every package's dist/ (tsup), the API's dist/main.js and dist/cli.js among them.
RUN pnpm build

# The API package with its production dependencies only; the workspace packages it uses come as their built dist/.
RUN --mount=type=cache,id=mfa-chain-pnpm,target=/pnpm-store \
    pnpm --filter @mfa-chain/api deploy --prod --legacy --store-dir /pnpm-store /out \
 && rm -rf /out/src /out/test /out/.turbo /out/tsconfig.json /out/vitest.config.ts

# The admin console's static files, once apps/admin exists and builds to dist/ (the API does not serve them yet).
RUN mkdir -p /out/admin && if [ -d apps/admin/dist ]; then cp -R apps/admin/dist/. /out/admin/; fi

# -------------------------------------------------------------------------------------------------------- runtime
FROM node:20.20.2-bookworm-slim AS runtime
# NODE_OPTIONS: a young generation of 2 × 8 MiB (V8's default is 2 × 16): peak RSS under the verify load near 150 MiB
# instead of 165–170, for about 5 % more CPU (docs/benchmarks.md, Memory; bench/verify runs the API with these options).
# Set NODE_OPTIONS at run time to change it.
ENV NODE_OPTIONS=--max-semi-space-size=8 \
    NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    MFA_DEMO=false
WORKDIR /app
# Owned by root, read-only for the service's user: the process cannot change its own code.
COPY --from=build /out/ /app/

# The node user of the base image (uid 1000), by number so that runtimes can check "not root" without /etc/passwd.
USER 1000:1000
EXPOSE 3000

# Liveness only (the process answers); readiness, which includes the database, is /readyz, for the load balancer.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# The operator's commands run from the same image: docker compose run --rm migrate, or `node dist/cli.js <command>`.
CMD ["node", "dist/main.js"]
