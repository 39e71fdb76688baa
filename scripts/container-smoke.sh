#!/usr/bin/env bash
# Stands in for `docker build` + `docker run` on machines without a Docker engine: installs the
# package the way the Dockerfile does (npm pack contents + lock file, `npm ci --omit=dev`, as an
# app folder rather than under node_modules, where Node refuses to strip types) and runs it there.
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
grep -qE '^HEALTHCHECK .*"scripts/healthcheck.ts"' "$dockerfile" || fail 'HEALTHCHECK does not run scripts/healthcheck.ts'

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

# Everything the runtime stage copies from the build context must be in the package too, so the
# smoke install and the image hold the same files (the lock file is copied separately below).
while read -r source; do
  [[ -e $app/$source ]] || fail "Dockerfile copies $source, but npm pack does not include it (package.json files)"
done < <(grep -E '^COPY ' "$dockerfile" | grep -v -- '--from=' | awk '{for (i = 2; i < NF; i++) print $i}' |
  grep -vx 'package-lock.json')
ok "npm pack holds every path the Dockerfile copies from the build context"

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
  stderr=$(SLUICE_HTTP_PORT=$port node scripts/healthcheck.ts 2>&1) || actual=$?
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

ok "container smoke passed in $((($(date +%s%N) - started) / 1000000)) ms"
