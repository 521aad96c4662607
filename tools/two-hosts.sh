#!/bin/sh
# Two simulator hosts on one PostgreSQL against one: the "two hosts" figure of README "A national-scale estate".
#
#   tools/two-hosts.sh [RUNS] [DURATION]      (defaults: 3 runs of each, 10 s each)
#
# One PostgreSQL (the embedded server, held by a process of its own and not pinned) holds a generated estate
# of 1,000 premises (its eight suppliers are the originators of 8.2). Host A is pinned to the cores in
# HOST_A_CPUS (default 0) and host B to HOST_B_CPUS (default 1), one worker each, both given the database's
# URL; the bench (pinned to BENCH_CPUS, default all) sends 8.2 to host A alone, then to A and B, alternating,
# RUNS times. Each run's JSON line goes to stdout; the last line is the median ratio two hosts / one host.
# Give each host cores of its own and PostgreSQL and the bench others where the machine has them, e.g.
# HOST_A_CPUS=0-1 HOST_B_CPUS=2-3 BENCH_CPUS=4-5 on an 8-core machine (PostgreSQL then takes what is left).
set -eu
RUNS=${1:-3}
DURATION=${2:-10}
HOST_A_CPUS=${HOST_A_CPUS:-0}
HOST_B_CPUS=${HOST_B_CPUS:-1}
BENCH_CPUS=${BENCH_CPUS:-$(python3 -c "import os; print(','.join(map(str, sorted(os.sched_getaffinity(0)))))")}
PYTHON=${PYTHON:-python3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/dccsim-two-hosts-XXXXXX")
PIDS=""
cleanup() {
    for pid in $PIDS; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# The database, in a process of its own (unpinned): it prints the URL and holds the server until killed.
"$PYTHON" -c "
import sys, time
from pathlib import Path
from dccsim.db.embedded import start_embedded
print(start_embedded(Path(sys.argv[1])), flush=True)
time.sleep(10**9)
" "$WORK/pgdata" > "$WORK/url" &
PIDS="$PIDS $!"
while [ ! -s "$WORK/url" ]; do sleep 0.2; done
DCCSIM_DATABASE_URL=$(cat "$WORK/url")
export DCCSIM_DATABASE_URL

"$PYTHON" -m dccsim --data-dir "$WORK/a" estate generate --premises 1000 --seed 1 >&2
port() { "$PYTHON" -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"; }
serve() {   # serve DATA_DIR CPUS PORT
    taskset -c "$2" "$PYTHON" -m dccsim --data-dir "$1" serve --workers 1 --port "$3" --admin-port "$(port)" \
        --smki-port "$(port)" > "$1.log" 2>&1 &
    PIDS="$PIDS $!"
}
PORT_A=$(port); PORT_B=$(port)
serve "$WORK/a" "$HOST_A_CPUS" "$PORT_A"
serve "$WORK/b" "$HOST_B_CPUS" "$PORT_B"
for log in "$WORK/a.log" "$WORK/b.log"; do
    until grep -q "dccsim is running" "$log" 2>/dev/null; do sleep 0.5; done
done

bench() {
    taskset -c "$BENCH_CPUS" "$PYTHON" -m dccsim --data-dir "$WORK/a" bench "$@" --workload non-device \
        --concurrency 8 --duration "$DURATION" --json 2>/dev/null | tail -1
}
: > "$WORK/one"; : > "$WORK/two"
i=0
while [ "$i" -lt "$RUNS" ]; do
    bench --target "http://127.0.0.1:$PORT_A" | tee -a "$WORK/one"
    bench --target "http://127.0.0.1:$PORT_A" --target "http://127.0.0.1:$PORT_B" | tee -a "$WORK/two"
    i=$((i + 1))
done
"$PYTHON" - "$WORK/one" "$WORK/two" <<'PY'
import json, statistics, sys
one, two = ([json.loads(line)["throughput_rps"] for line in open(path)] for path in sys.argv[1:3])
print(json.dumps({"one_host_rps": statistics.median(one), "two_hosts_rps": statistics.median(two),
                  "ratio": round(statistics.median(two) / statistics.median(one), 2), "one": one, "two": two}))
PY
