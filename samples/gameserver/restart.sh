#!/usr/bin/env bash
# Restart the sample gameserver under client load without refusing a connection, then fix its bug again
# in the new process (patches do not carry over a restart).
#   samples/gameserver/restart.sh PID PORT
set -euo pipefail
pid=$1 port=$2
here="$(cd "$(dirname "$0")" && pwd)"
tfix="${TFIX:-$here/../../tfix}"

# Clients: a status query every 20 ms, each on a fresh connection; a refused connect is counted.
refused=0 answered=0
log="$(mktemp)"
(
  while :; do
    if exec 3<>"/dev/tcp/127.0.0.1/$port" 2>/dev/null; then
      printf 'status\nquit\n' >&3; grep -q '^end$' <&3 && echo ok || echo failed
      exec 3<&-
    else
      echo refused
    fi
    sleep 0.02
  done
) >"$log" &
load=$!
trap 'kill $load 2>/dev/null; rm -f "$log"' EXIT

sleep 1
"$tfix" restart --pid "$pid" --wait --then "$here/fix-score.tfix.groovy"
sleep 1
kill $load
echo "client queries: $(grep -c '^ok$' "$log") answered," \
     "$(grep -c '^refused$' "$log") refused, $(grep -c '^failed$' "$log") failed"
