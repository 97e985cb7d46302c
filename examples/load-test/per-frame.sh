#!/usr/bin/env bash
# Where a dashboard's CPU goes per frame: starts the dashboard (production, unbatched), runs the
# load test against it (100 sessions x 2 events/s, 1,000 clients, TOPICS projects with each client
# watching one; 0 = all watch all), and reads the server's CPU time, its threads' context switches
# (/proc) and its frames sent (/api/metrics) over 20 s of the measured phase. Linux only.
#
#   bash examples/load-test/per-frame.sh [TOPICS]
#
# Needs the jars (mvn -B -q package -DskipTests -pl examples/load-test -am).
set -euo pipefail
cd "$(dirname "$0")/../.."

topics=${1:-0}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
work=$(mktemp -d)
java -Xmx1g -jar examples/dashboard-server/target/dashboard-server.jar --port "$port" \
  --preset production --batch-interval none --socket-send-buffer 64KiB >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done

sample() {
  local switches=0
  for status in /proc/"$server"/task/*/status; do
    switches=$((switches + $(awk '/ctxt_switches/{n += $2} END {print n}' "$status")))
  done
  local ticks
  ticks=$(awk '{print $14 + $15}' /proc/"$server"/stat)
  local frames
  frames=$(curl -s "http://127.0.0.1:$port/api/metrics" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["broadcast"]["frames_sent"])')
  echo "$switches $ticks $frames"
}

java -jar examples/load-test/target/load-test.jar --url "http://127.0.0.1:$port/" \
  --sessions 100 --rate 2 --clients 1000 --topics "$topics" --duration 40 --warmup 5 \
  --out "$work/report" >"$work/load-test.log" 2>&1 &
load=$!
sleep 35 # 1,000 clients connect at 80 a second, then the warm-up: well into the measured phase.
before=$(sample)
sleep 20
after=$(sample)
wait $load
grep staleness "$work/load-test.log"
python3 - "$before" "$after" "$(getconf CLK_TCK)" "$topics" <<'PY'
import sys
b = list(map(int, sys.argv[1].split()))
a = list(map(int, sys.argv[2].split()))
tck, topics = int(sys.argv[3]), sys.argv[4]
switches, cpu, frames = a[0] - b[0], (a[1] - b[1]) / tck, a[2] - b[2]
print(f"topics {topics}: {frames / 20:.0f} frames/s, {cpu / 20:.2f} cores, "
      f"{switches / 20:.0f} context switches/s; per frame {cpu * 1e6 / frames:.1f} us of CPU, "
      f"{switches / frames:.2f} context switches")
PY
