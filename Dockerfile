# syntax=docker/dockerfile:1

# Production dependencies only, from the manifest and lock file alone, so this layer is
# rebuilt only when they change. No compiler needed: lz4-napi's and snappy's binaries come prebuilt
# as optional dependencies, picked for this stage's platform (same base as the runtime stage).
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# The built JavaScript: what `npm pack` ships (dist/), compiled by TypeScript from src/.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY native-free ./native-free
COPY scripts/build.ts scripts/healthcheck.ts ./scripts/
COPY scripts/local-kafka ./scripts/local-kafka
RUN npm run build

FROM node:24-slim
# tini as PID 1 forwards SIGTERM/SIGINT to Node and reaps zombies. Node itself as PID 1 would
# ignore SIGTERM until it installs a handler (the kernel gives PID 1 no default signal actions).
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production SLUICE_HTTP_HOST=0.0.0.0 SLUICE_HTTP_PORT=4040
WORKDIR /app
# The package as `npm pack` makes it (bin/, dist/, package.json), with its production
# dependencies. Files stay root-owned, so the app cannot rewrite its own code.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY --from=build /app/dist ./dist
# Jobs copied into the image (under /app) import 'sluice' and get this installation, the one that
# runs them: a second copy from a job's own node_modules would be other modules (docs/deployment.md).
RUN ln -s .. node_modules/sluice
# The checkpoint folder, owned by the user that writes it: a named volume mounted here takes
# this owner on first use (SLUICE_CHECKPOINT_DIR=/var/lib/sluice).
RUN mkdir -p /var/lib/sluice && chown node:node /var/lib/sluice
USER node
EXPOSE 4040
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["node", "dist/scripts/healthcheck.js"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "bin/sluice.js"]
CMD ["run"]
