#!/usr/bin/env bash
# What one session change costs Redis, by the number of nodes subscribed: one redis-server and N
# dashboards joined with --redis, all on 127.0.0.1; CHANGES hooks (100 sessions in 20 projects)
# posted to the first node; Redis' own counters before and after. Issue 26: every node receives
# every change, whatever topics its clients watch.
#
#   bash examples/load-test/redis-cost.sh [NODES] [CHANGES]
#
# Needs redis-server and curl, and the dashboard's jar
# (mvn -B -q package -DskipTests -pl examples/dashboard-server -am).
set -euo pipefail
cd "$(dirname "$0")/../.."

nodes=${1:-2}
changes=${2:-2000}
dashboard=examples/dashboard-server/target/dashboard-server.jar
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -n "${redis_port:-}" ] && redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
  --daemonize yes --logfile "$work/redis.log" --dir "$work"
ports=()
for _ in $(seq "$nodes"); do
  port=$(free_port)
  ports+=("$port")
  java -Xmx512m -jar "$dashboard" --port "$port" --redis "redis://127.0.0.1:$redis_port" \
    --redis-prefix cost >"$work/node-$port.log" 2>&1 &
  pids+=($!)
done
for port in "${ports[@]}"; do
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
    sleep 0.2
  done
done

post() {
  curl -sf -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"session_id\":\"s$1\",\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"Bash\",\"cwd\":\"/work/p$(($1 % 20))\",\"tool_input\":{\"command\":\"mvn -q test\"}}" \
    "http://127.0.0.1:${ports[0]}/api/hooks"
}
counters() {
  redis-cli -p "$redis_port" info stats | tr -d '\r' |
    awk -F: '/^total_commands_processed|^total_net_input_bytes|^total_net_output_bytes/{printf "%s ", $2}'
}

for i in $(seq 0 99); do post "$i"; done # The sessions exist.
sleep 1
before=$(counters)
for i in $(seq 1 "$changes"); do post $((i % 100)); done
sleep 2
after=$(counters)
python3 - "$before" "$after" "$changes" "$nodes" <<'PY'
import sys
b = list(map(int, sys.argv[1].split()))
a = list(map(int, sys.argv[2].split()))
n, nodes = int(sys.argv[3]), sys.argv[4]
print(f"{n} changes through one node, {nodes} node(s) subscribed: per change "
      f"{(a[0] - b[0]) / n:.2f} commands, {(a[1] - b[1]) / n:.0f} B into Redis, "
      f"{(a[2] - b[2]) / n:.0f} B out of Redis")
PY
