#!/usr/bin/env bash
# Stands in for `docker build` + `docker run` on machines without a Docker engine: installs the
# package the way the Dockerfile does (npm pack contents: bin/ and the built dist/, + lock file,
# `npm ci --omit=dev`, as the app folder /app) and runs it there; then a user's job image built
# FROM it (a job with a dependency of its own, copied under /app, importing 'sluice').
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$(pwd)
started=$(date +%s%N)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sluice-smoke.XXXXXX")
server_pid=''
cleanup() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
ok() { echo "ok: $*"; }

# --- Dockerfile, statically -------------------------------------------------------------------

dockerfile=$repo/Dockerfile
[[ -f $dockerfile ]] || fail "no Dockerfile at $dockerfile"

# Exec form is a JSON array of strings; shell form would put /bin/sh between tini and Node.
exec_form() {
  local name=$1 pattern=$2 line
  line=$(grep -E "^$pattern" "$dockerfile" | tail -n 1) || fail "Dockerfile has no $name"
  node -e '
    const [name, line] = process.argv.slice(1);
    let value;
    try { value = JSON.parse(line.slice(line.indexOf("["))); } catch { value = undefined; }
    if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === "string")) {
      console.error(`FAIL: Dockerfile ${name} is not exec form (a JSON array): ${line}`);
      process.exit(1);
    }' "$name" "$line"
  ok "Dockerfile $name is exec form: $line"
}

base=$(grep -E '^FROM ' "$dockerfile" | tail -n 1 | awk '{print $2}')
[[ $base == node:24-slim ]] || fail "Dockerfile runtime stage is FROM $base, expected node:24-slim"
grep -qE '^FROM node:24-slim AS deps$' "$dockerfile" || fail 'Dockerfile has no "FROM node:24-slim AS deps" stage'
ok "Dockerfile stages are FROM node:24-slim (deps and runtime)"
grep -qE '^RUN .*npm ci .*--omit=dev' "$dockerfile" || fail 'Dockerfile does not run "npm ci --omit=dev"'
ok "Dockerfile installs with npm ci --omit=dev"
grep -qx 'USER node' "$dockerfile" || fail 'Dockerfile has no "USER node" line'
ok "Dockerfile runs as USER node"
exec_form ENTRYPOINT 'ENTRYPOINT '
exec_form CMD 'CMD '
grep -qE '^ENTRYPOINT \["/usr/bin/tini", "--",' "$dockerfile" || fail 'ENTRYPOINT does not start with tini'
exec_form HEALTHCHECK 'HEALTHCHECK .*CMD '
grep -qE '^HEALTHCHECK .*"dist/scripts/healthcheck.js"' "$dockerfile" || fail 'HEALTHCHECK does not run dist/scripts/healthcheck.js'
grep -qE '^FROM node:24-slim AS build$' "$dockerfile" || fail 'Dockerfile has no "FROM node:24-slim AS build" stage'
grep -qE '^RUN npm run build$' "$dockerfile" || fail 'the build stage does not run "npm run build"'
# The runtime stage: from its FROM to the end.
runtime=$(awk '/^FROM /{stage = ""} {stage = stage $0 "\n"} END {printf "%s", stage}' "$dockerfile")
grep -qE '^COPY --from=build /app/dist ./dist$' <<<"$runtime" || fail 'the runtime stage does not copy dist/ from the build stage'
! grep -qE '^COPY (src|native-free)' <<<"$runtime" || fail 'the runtime stage copies TypeScript sources: the image runs the built dist/'
grep -qE '^RUN ln -s \.\. node_modules/sluice$' <<<"$runtime" || fail 'the runtime stage does not link node_modules/sluice to the app'
ok "Dockerfile builds dist/ in a build stage; the runtime stage runs it, not the sources"

# --- Node, as in the image ----------------------------------------------------------------------

node_major=$(node -p 'process.versions.node.split(".")[0]')
[[ $node_major == 24 ]] || fail "the image runs Node 24 (node:24-slim); node on PATH is $(node --version)"
ok "node $(node --version), the image's major version"

# --- install, as the image does ------------------------------------------------------------------

pack_json=$(npm pack --json --pack-destination "$tmp" 2>"$tmp/pack.log") || {
  cat "$tmp/pack.log" >&2
  fail "npm pack"
}
tarball=$(node -e 'console.log(JSON.parse(process.argv[1])[0].filename)' "$pack_json")
app=$tmp/app
mkdir "$app"
tar -xzf "$tmp/$tarball" -C "$app" --strip-components=1
ok "npm pack: $tarball, $(find "$app" -type f | wc -l) files, unpacked to $app"

# Everything the runtime stage copies from the build context, and the dist/ it copies from the
# build stage, must be in the package too, so the smoke install and the image hold the same files.
while read -r source; do
  [[ -e $app/$source ]] || fail "Dockerfile copies $source, but npm pack does not include it (package.json files)"
done < <(grep -E '^COPY ' <<<"$runtime" | grep -v -- '--from=' | awk '{for (i = 2; i < NF; i++) print $i}')
[[ -f $app/dist/src/cli/main.js && -f $app/dist/scripts/healthcheck.js ]] || fail "npm pack has no built dist/"
[[ ! -e $app/src ]] || fail "npm pack ships src/: the package is the built dist/"
ok "npm pack holds every path the runtime stage copies, and the built dist/ without the sources"

cp package-lock.json "$app/"
install_started=$(date +%s%N)
(cd "$app" && npm ci --omit=dev --ignore-scripts=false --no-audit --no-fund >"$tmp/ci.log" 2>&1) || {
  # The cause, without the usage text npm prints after a usage error.
  sed -e '/^npm error Clean install a project/,$d' -e '/^npm error *$/d' "$tmp/ci.log" | head -n 40 >&2
  fail "npm ci --omit=dev (the Dockerfile's deps stage would fail the same way)"
}
ok "npm ci --omit=dev in $(((($(date +%s%N) - install_started)) / 1000000)) ms: $(tail -n 1 "$tmp/ci.log")"

while read -r dep; do
  [[ -z $dep ]] && continue
  [[ ! -e $app/node_modules/$dep ]] || fail "dev dependency $dep is installed in the production install"
done < <(node -p 'Object.keys(require("./package.json").devDependencies ?? {}).join("\n")')
ok "no dev dependency installed ($(node -p 'Object.keys(require("./package.json").devDependencies ?? {}).join(", ")'))"
while read -r dep; do
  [[ -z $dep ]] && continue
  [[ -f $app/node_modules/$dep/package.json ]] || fail "dependency $dep is missing from the production install"
done < <(node -p 'Object.keys(require("./package.json").dependencies ?? {}).join("\n")')
ln -s .. "$app/node_modules/sluice"
ok "every dependency installed ($(node -p 'Object.keys(require("./package.json").dependencies ?? {}).join(", ")'))"

# --- run, as the image does ----------------------------------------------------------------------

cd "$app"
export NODE_ENV=production

report=$(node bin/sluice.js doctor) || fail "sluice doctor exited $?: $report"
node -e '
  const report = JSON.parse(process.argv[1]);
  const expected = { kafkajs: true, msgpack: true, workers: 1, lz4: "lz4-napi", snappy: "snappy", codecs: true };
  for (const [key, value] of Object.entries(expected)) {
    if (report[key] !== value) {
      console.error(`FAIL: doctor ${key} is ${JSON.stringify(report[key])}, expected ${JSON.stringify(value)}`);
      process.exit(1);
    }
  }' "$report"
ok "sluice doctor: $report"

# The image's default command, on the built-in generator: the whole engine (worker slots,
# job module, outputs) from the production install alone.
run_out=$(SLUICE_TRIGGER=available-now SLUICE_GENERATOR_EVENTS=500 SLUICE_GENERATOR_PARTITIONS=2 \
  SLUICE_LOG_LEVEL=error node bin/sluice.js run 2>&1) || fail "sluice run exited $?: $run_out"
[[ $run_out == *"Time: "*'"windowStart"'* ]] || fail "sluice run printed no batch of results: $run_out"
ok "sluice run (generator, available-now) printed $(grep -c windowStart <<<"$run_out") result rows and exited 0"

version=$(node bin/sluice.js version)
expected_version=$(node -p 'require(process.argv[1]).version' "$repo/package.json")
[[ $version == "$expected_version" ]] || fail "sluice version printed '$version', package.json has '$expected_version'"
ok "sluice version: $version"

# A throwaway admin server answering STATUS on /livez; prints its port.
start_server() {
  node -e '
    const http = require("node:http");
    const status = Number(process.argv[1]);
    const server = http.createServer((request, response) => {
      response.statusCode = request.url === "/livez" ? status : 404;
      response.end();
    });
    server.listen(0, "127.0.0.1", () => console.log(server.address().port));' "$1" >"$tmp/port" &
  server_pid=$!
  for _ in $(seq 50); do
    [[ -s $tmp/port ]] && return 0
    sleep 0.1
  done
  fail "throwaway HTTP server did not start"
}
stop_server() {
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=''
  rm -f "$tmp/port"
}

# Expects healthcheck.ts to exit CODE with SLUICE_HTTP_PORT=PORT, and its stderr to contain TEXT.
healthcheck() {
  local port=$1 code=$2 text=$3 actual=0 stderr
  stderr=$(SLUICE_HTTP_PORT=$port node dist/scripts/healthcheck.js 2>&1) || actual=$?
  [[ $actual == "$code" ]] || fail "healthcheck with SLUICE_HTTP_PORT=$port exited $actual, expected $code: $stderr"
  [[ $stderr == *"$text"* ]] || fail "healthcheck with SLUICE_HTTP_PORT=$port printed '$stderr', expected '$text'"
  echo "$stderr"
}

start_server 200
port=$(cat "$tmp/port")
healthcheck "$port" 0 '' >/dev/null
ok "healthcheck exits 0 when /livez answers 200"
stop_server
said=$(healthcheck "$port" 1 ECONNREFUSED)
ok "healthcheck exits 1 on a closed port: $said"

start_server 503
port=$(cat "$tmp/port")
said=$(healthcheck "$port" 1 'HTTP 503')
ok "healthcheck exits 1 when /livez answers 503: $said"
stop_server

said=$(healthcheck 70000 1 'SLUICE_HTTP_PORT must be an integer from 1 to 65535')
ok "healthcheck rejects a bad port: $said"

said=$(SLUICE_HTTP_ENABLED=false healthcheck 4040 1 'SLUICE_HTTP_ENABLED=false: no admin HTTP server answers /livez')
ok "healthcheck says so when the admin server is off: $said"

# --- a user's job image: FROM the Sluice image, the job and its own dependencies under /app ----------
# As docs/deployment.md shows it: WORKDIR /app/job, npm ci --omit=dev (sluice is a dev dependency
# of the job's project: the image has it), COPY job.ts, SLUICE_JOB=/app/job/job.ts.
job=$app/job
mkdir "$job"
# (The job's project takes sluice from the packed tarball: it is not on this machine's registry.)
cat >"$job/package.json" <<JSON
{ "name": "page-counts", "private": true, "type": "module", "dependencies": { "zod": "^4" }, "devDependencies": { "sluice": "file:$tmp/$tarball" } }
JSON
cat >"$job/job.ts" <<'TS'
import { defineJob } from 'sluice';
import { z } from 'zod';

const Click = z.object({ url: z.string() });

export default defineJob((ctx) => {
  ctx
    .stream()
    .map((record) => [Click.parse(record.value).url, 1])
    .reduceByKey((a, b) => a + b)
    .foreachBatch((pairs) => {
      for (const [url, count] of pairs) console.log(`count ${url} ${count}`);
    });
});
TS
(cd "$job" && npm install --omit=dev --prefer-offline --no-audit --no-fund >"$tmp/job-install.log" 2>&1) || {
  head -n 40 "$tmp/job-install.log" >&2
  fail "npm install --omit=dev of the job's dependencies"
}
[[ -f $job/node_modules/zod/package.json && ! -e $job/node_modules/sluice ]] ||
  fail "the job's install should hold zod and not a second sluice"
job_out=$(SLUICE_JOB=$job/job.ts SLUICE_TRIGGER=available-now SLUICE_GENERATOR_EVENTS=500 \
  SLUICE_GENERATOR_PARTITIONS=2 SLUICE_LOG_LEVEL=error node bin/sluice.js run 2>&1) ||
  fail "sluice run of the job image exited $?: $job_out"
counted=$(awk '$1 == "count" {sum += $3} END {print sum + 0}' <<<"$job_out")
[[ $counted == 1000 ]] || fail "the user's job counted $counted clicks, expected 1000 (500 per partition): $job_out"
ok "a user's job under /app with its own dependency (zod) imports 'sluice' from the image and counted $counted clicks"

ok "container smoke passed in $((($(date +%s%N) - started) / 1000000)) ms"
