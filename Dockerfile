# syntax=docker/dockerfile:1

# Production dependencies only, from the manifest and lock file alone, so this layer is
# rebuilt only when they change. No compiler needed: lz4-napi's and snappy's binaries come prebuilt
# as optional dependencies, picked for this stage's platform (same base as the runtime stage).
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:24-slim
# tini as PID 1 forwards SIGTERM/SIGINT to Node and reaps zombies. Node itself as PID 1 would
# ignore SIGTERM until it installs a handler (the kernel gives PID 1 no default signal actions).
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production SLUICE_HTTP_HOST=0.0.0.0 SLUICE_HTTP_PORT=4040
WORKDIR /app
# No build step: Node 24 strips the types of src/**/*.ts at load time. Files stay root-owned,
# so the app cannot rewrite its own code.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
COPY native-free ./native-free
COPY scripts/healthcheck.ts ./scripts/healthcheck.ts
# The checkpoint folder, owned by the user that writes it: a named volume mounted here takes
# this owner on first use (SLUICE_CHECKPOINT_DIR=/var/lib/sluice).
RUN mkdir -p /var/lib/sluice && chown node:node /var/lib/sluice
USER node
EXPOSE 4040
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["node", "scripts/healthcheck.ts"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "bin/sluice.js"]
CMD ["run"]
