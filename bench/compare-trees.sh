#!/usr/bin/env bash
# A/B of two checkouts (e.g. the previous landing in a `git worktree` and this one) on the same
# broker and topic, in interleaved rounds: wall time, CPU (user + sys) and peak RSS of one
# `sluice run` each, and the count the file sink wrote.
#
#   SLUICE_BROKERS=host:port bench/compare-trees.sh BASE_DIR HEAD_DIR TOPIC [ROUNDS] [WORKERS]
#   SLUICE_BROKERS=... EXTRA="SLUICE_TIME=event SLUICE_WINDOW_MS=10000 SLUICE_SLIDE_MS=2000" bench/compare-trees.sh ...
#   SLUICE_BROKERS=... JOB=examples/click-errors.ts bench/compare-trees.sh ...   (a job file in each tree;
#     the count is then the lines it wrote)
#
# Make the topic with `sluice produce --topic T --create --partitions 8 --count 1000000`.
set -uo pipefail
base=$1 head=$2 topic=$3 rounds=${4:-5} workers=${5:-2}
: "${SLUICE_BROKERS:?set SLUICE_BROKERS}"
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
sum_values() { cat "$1"/*.jsonl | node -e 'let s=0;require("readline").createInterface({input:process.stdin}).on("line",(l)=>{s+=JSON.parse(l).value}).on("close",()=>console.log(s))'; }
count() { if [ -n "${JOB:-}" ]; then cat "$1"/*.jsonl | wc -l; else sum_values "$1"; fi; }
echo "round tree exit wall_s cpu_s peak_rss_mb count load1"
for round in $(seq 1 "$rounds"); do
  for tree in "$base" "$head"; do
    out=$(mktemp -d)
    load=$(cut -d' ' -f1 /proc/loadavg)
    # shellcheck disable=SC2086 # EXTRA is a list of NAME=value words
    (cd "$tree" && /usr/bin/time -f "%e %U %S %M" -o "$out/time" env SLUICE_TOPICS="$topic" \
      SLUICE_GROUP_ID="compare-$round-$RANDOM" SLUICE_TRIGGER=available-now SLUICE_SINK="file:$out" \
      SLUICE_WORKERS="$workers" SLUICE_LOG_LEVEL=warn SLUICE_HTTP_PORT="$(free_port)" ${EXTRA:-} \
      node bin/sluice.js run ${JOB:-} >/dev/null 2>"$out/stderr")
    code=$?
    # A failed run's time file starts with "Command exited with non-zero status N".
    read -r wall user sys rss < <(tail -n 1 "$out/time")
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
    echo "$round $tree $code $wall $cpu $((rss / 1024)) $(count "$out" 2>/dev/null || echo 0) $load"
    rm -rf "$out"
  done
done
