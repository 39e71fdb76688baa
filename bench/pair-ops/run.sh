#!/usr/bin/env bash
# Pair operations against a per-key reduction, on the same two topics, in interleaved rounds: wall
# time, CPU (user + sys) and peak RSS of one `sluice run` (available-now, one slot) each.
#
#   SLUICE_BROKERS=host:port bench/pair-ops/run.sh TOPIC_A TOPIC_B [ROUNDS]
#
# Make the topics with `npx sluice produce --topic T --create --partitions 4 --count 500000`.
set -uo pipefail
a=$1 b=$2 rounds=${3:-3}
: "${SLUICE_BROKERS:?set SLUICE_BROKERS}"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/../.."
echo "round job exit wall_s cpu_s peak_rss_mb load1"
for round in $(seq 1 "$rounds"); do
  for job in union combine cogroup; do
    out=$(mktemp -d)
    load=$(cut -d' ' -f1 /proc/loadavg)
    /usr/bin/time -f "%e %U %S %M" -o "$out/time" env A_TOPIC="$a" B_TOPIC="$b" \
      SLUICE_GROUP_ID="pair-ops-$job-$round-$RANDOM" SLUICE_TRIGGER=available-now SLUICE_WORKERS=1 \
      SLUICE_LOG_LEVEL=warn SLUICE_HTTP_PORT=0 node bin/sluice.js run "bench/pair-ops/$job.ts" >/dev/null 2>"$out/stderr"
    code=$?
    read -r wall user sys rss < <(tail -n 1 "$out/time")
    echo "$round $job $code $wall $(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }') $((rss / 1024)) $load"
    rm -rf "$out"
  done
done
