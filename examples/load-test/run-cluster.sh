#!/usr/bin/env bash
# Runs the load test against a cluster: one redis-server and N dashboards joined with --redis,
# all on 127.0.0.1, then prints what Redis did (commands, time per call, CPU) and stops them.
#
#   bash examples/load-test/run-cluster.sh [NODES] [LOAD-TEST OPTIONS...]
#   bash examples/load-test/run-cluster.sh 3 --scenario orig-20x5x5 --out target/cluster
#
# Needs redis-server (apt-get install redis-server) and the jars
# (mvn -B -q package -DskipTests -pl examples/load-test -am).
set -euo pipefail
cd "$(dirname "$0")/../.."

nodes=${1:-3}
shift || true
dashboard=examples/dashboard-server/target/dashboard-server.jar
loadtest=examples/load-test/target/load-test.jar
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" \
  --loglevel warning >"$work/redis.log" 2>&1 &
pids+=($!)
until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.1; done

urls=()
for i in $(seq 1 "$nodes"); do
  java -Xmx1g -jar "$dashboard" --port 0 --preset production --socket-send-buffer 64KiB \
    --redis "redis://127.0.0.1:$redis_port" --redis-prefix load >"$work/node$i.log" 2>&1 &
  pids+=($!)
  until grep -q "^dashboard: http" "$work/node$i.log"; do sleep 0.2; done
  urls+=("$(grep "^dashboard: http" "$work/node$i.log" | grep -o 'http://[^ ]*/' | head -1)")
done
echo "cluster: redis on $redis_port, nodes ${urls[*]}"

redis-cli -p "$redis_port" config resetstat >/dev/null
cpu_before=$(redis-cli -p "$redis_port" info cpu | awk -F: '/used_cpu_(sys|user):/ {s += $2} END {print s}')
start=$(date +%s.%N)
java -jar "$loadtest" --url "$(IFS=,; echo "${urls[*]}")" "$@"
end=$(date +%s.%N)
cpu_after=$(redis-cli -p "$redis_port" info cpu | awk -F: '/used_cpu_(sys|user):/ {s += $2} END {print s}')

out=target/load-test
for ((i = 1; i <= $#; i++)); do
  if [[ "${!i}" == "--out" ]]; then j=$((i + 1)); out=${!j}; fi
done
{
  echo "redis-server $(redis-server --version | grep -o 'v=[0-9.]*'), $nodes nodes," \
    "load test: $*"
  echo "redis commands (calls, server-side microseconds per call; a script's own commands are" \
    "counted too, and their time is inside EVALSHA's):"
  redis-cli -p "$redis_port" info commandstats | grep -E 'cmdstat_' \
    | sed -E 's/cmdstat_([a-z|]+):calls=([0-9]+),usec=[0-9]+,usec_per_call=([0-9.]+).*/  \1: \2 calls, \3 us each/'
  changes=$(redis-cli -p "$redis_port" info commandstats | sed -nE 's/cmdstat_evalsha:calls=([0-9]+),.*/\1/p')
  awk -v a="$cpu_before" -v b="$cpu_after" -v s="$start" -v e="$end" -v n="${changes:-0}" \
    'BEGIN { per = n > 0 ? 1e6 * (b - a) / n : 0
      printf "redis CPU: %.1f%% of one core over %.0f s; %.0f us per change (%d changes)\n", 100 * (b - a) / (e - s), e - s, per, n }'
} | tee "$out/redis.txt"
