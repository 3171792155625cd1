#!/usr/bin/env bash
# A real Redis bug fix applied live: redis/redis commit 1c1bd618c ("fix hincrbyfloat not to create a key if
# the new value is invalid (#11149)") patched into a redis-server built from its parent, under load.
#
#   samples/redis-fix/run.sh REDIS_SRC FIX_DIFF [WORK_DIR]
#
# REDIS_SRC  a clean Redis source tree at the parent commit f651708a19b4fc8137eec13180fcea39e68fb284
#            (git archive f651708a1 | tar -x -C REDIS_SRC). It is not written: redis-server is built in a copy
#            (WORK_DIR/redis-build, make -j2 MALLOC=libc), and `tfix build` builds its own copies the same way.
# FIX_DIFF   the commit's change: git diff f651708a1 1c1bd618c -- src/
# WORK_DIR   where the Redis build, the patch, runbooks and logs go (default: ./redis-fix-work).
#
# Not part of CI: it needs Redis's source, which comes from the network. Needs gcc, make, redis-cli and
# redis-benchmark (Debian: redis-tools), and the tfix jar (mvn -o -B -q -pl engine,dsl,repl -am package
# -DskipTests; with patchgen for `tfix build`: -pl engine,dsl,patchgen,repl); as root, or with ptrace allowed on
# the server.
# Environment: PORT (default 16399), REQUESTS (default 200000), HINCR_REQUESTS (default 3 x REQUESTS), TFIX_JAR, HAND=1 to use the hand-written
# patch even when `tfix build` is available, PATCH_C to build another patch source with a fix table for
# hincrbyfloatCommand instead of fix_hincrbyfloat.c.
set -euo pipefail

here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
tfix_home="$(cd "$here/../.." && pwd)"
die() { echo "run.sh: $*" >&2; exit 1; }

[ $# -ge 2 ] && [ $# -le 3 ] || die "usage: run.sh REDIS_SRC FIX_DIFF [WORK_DIR]"
src="$(readlink -f "$1")"
diff="$(readlink -f "$2")"
work="$(readlink -m "${3:-redis-fix-work}")"
port="${PORT:-16399}"
requests="${REQUESTS:-200000}"
# The HINCRBYFLOAT load runs 3 times as long, so that it still runs when the patch goes in.
hincr_requests="${HINCR_REQUESTS:-$((requests * 3))}"
jar="${TFIX_JAR:-$tfix_home/repl/target/tfix.jar}"
# How redis-server is built, here and by `tfix build` (its copies must compile exactly as the running binary was).
# MALLOC=libc: no jemalloc build. Redis 7.0 builds with -O2 and no LTO (which `tfix build` refuses).
redis_make="make -j2 MALLOC=libc"

[ -f "$src/src/server.h" ] || die "$src is not a Redis source tree (no src/server.h): give the parent commit's tree"
if [ -e "$src/src/redis-server" ] || ls "$src"/src/*.o >/dev/null 2>&1; then die "$src has build outputs: give a clean tree (git archive f651708a1 | tar -x -C DIR), or run 'make distclean' in it"; fi
[ -f "$diff" ] || die "no diff at $diff: make it with 'git diff f651708a1 1c1bd618c -- src/'"
[ -f "$jar" ] || die "no tfix jar at $jar: build it with 'mvn -o -B -q -pl engine,dsl,patchgen,repl -am package -DskipTests'"
for tool in gcc make redis-cli redis-benchmark readelf nm patch; do
  command -v "$tool" >/dev/null || die "$tool is missing (Debian: apt-get install -y gcc make redis-tools binutils patch)"
done
# The same JVM options as the tfix launcher (which would run mvn install: not here).
tfix() { java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dtfix.home="$tfix_home" -jar "$jar" "$@"; }
cli() { redis-cli -p "$port" "$@"; }
step() { printf '\n== %s\n' "$*"; }

mkdir -p "$work"
server_pid="" ; bench_pids=()
cleanup() {
  for p in "${bench_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
}
trap cleanup EXIT

step "the diff: applies to $src and changes hincrbyfloatCommand in src/t_hash.c only"
patch -p1 --dry-run -s -d "$src" < "$diff" || die "$diff does not apply to $src: is the tree the parent commit f651708a1?"
files="$(grep '^+++ ' "$diff" | sed 's|^+++ b/||' | sort -u | tr '\n' ' ')"
[ "$files" = "src/t_hash.c " ] || die "the diff changes $files; this demo (and its hand-written patch) covers src/t_hash.c only"
grep -q '^@@ .* hincrbyfloatCommand' "$diff" || die "the diff does not change hincrbyfloatCommand"
cat "$diff"

build="$work/redis-build"
step "build redis-server from a copy of $src in $build ($redis_make, log: $work/build.log)"
rm -rf "$build" && cp -a "$src" "$build"
started=$SECONDS
(cd "$build" && $redis_make) >"$work/build.log" 2>&1 || { tail -20 "$work/build.log"; die "the Redis build failed"; }
echo "built in $((SECONDS - started)) s"
server_bin="$build/src/redis-server"
nm "$server_bin" | grep -E ' T hincrbyfloatCommand$' || die "hincrbyfloatCommand is not a function symbol of $server_bin"
build_id="$(readelf -n "$server_bin" | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')"
[ -n "$build_id" ] || die "$server_bin has no build-id"
echo "build-id $build_id"

step "start redis-server on port $port"
cli ping >/dev/null 2>&1 && die "something already answers on port $port: set PORT"
"$server_bin" --port "$port" --save '' --appendonly no --daemonize no >"$work/redis.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 200); do
  [ "$(cli ping 2>/dev/null)" = PONG ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/redis.log"; die "redis-server exited"; }
  sleep 0.05
done
[ "$(cli ping 2>/dev/null)" = PONG ] || die "redis-server does not answer on port $port"
echo "redis-server pid $server_pid"

show() {  # the behaviour the commit fixes: an invalid increment on a missing key
  cli del hfoo >/dev/null
  echo "> HINCRBYFLOAT hfoo field +inf"; cli hincrbyfloat hfoo field +inf
  echo "> EXISTS hfoo"; exists="$(cli exists hfoo)"; echo "$exists"
  echo "> HINCRBYFLOAT hnum field 2.5 (twice)"; cli del hnum >/dev/null; cli hincrbyfloat hnum field 2.5 >/dev/null; cli hincrbyfloat hnum field 2.5
}

step "before: the bug (the failed HINCRBYFLOAT leaves an empty hash behind: EXISTS 1)"
show; [ "$exists" = 1 ] || die "the bug does not show: EXISTS hfoo is $exists, expected 1"

step "the patch"
# `tfix build` (issue 16) makes the patch from the source tree and the diff when this tfix has it (its help names
# --diff); otherwise, or with HAND=1, the hand-written fix_hincrbyfloat.c.
if [ -z "${HAND:-}" ] && tfix build --help 2>&1 | grep -q -- '--diff'; then
  echo "tfix build --source $src --diff $diff --binary $server_bin --build '$redis_make' --out $work/fix-hincrbyfloat --explain"
  tfix build --source "$src" --diff "$diff" --binary "$server_bin" --build "$redis_make" --out "$work/fix-hincrbyfloat" \
    --explain >"$work/tfix-build.log" 2>&1 || { cat "$work/tfix-build.log"; die "tfix build failed"; }
  cat "$work/tfix-build.log"
  runbook="$work/fix-hincrbyfloat/fix-hincrbyfloat.tfix.groovy"
  [ -f "$runbook" ] || die "tfix build made no runbook $runbook"
  revert_runbook=""  # tfix build writes no revert runbook: tfix revert does it
else
  patch_c="$(readlink -f "${PATCH_C:-$here/fix_hincrbyfloat.c}")"
  echo "hand-written: $patch_c, built against $src/src headers, pinned to build-id $build_id"
  gcc -shared -fPIC -O2 -g -Wall -I"$tfix_home/include" -I"$src/src" \
    -I"$src/deps/hiredis" -I"$src/deps/linenoise" -I"$src/deps/lua/src" -I"$src/deps/hdr_histogram" -DREDIS_BUILD_ID="\"$build_id\"" \
    -o "$work/libfix_hincrbyfloat.so" "$patch_c"
  cp "$here/fix.tfix.groovy" "$here/revert.tfix.groovy" "$work/"
  runbook="$work/fix.tfix.groovy"
  revert_runbook="$work/revert.tfix.groovy"
fi

step "load: redis-benchmark -c 20 -n $requests -t ping,set,get, and HINCRBYFLOAT hload f 1.5 x $hincr_requests"
cli del hload >/dev/null
errors_before="$(cli info stats | sed -n 's/^total_error_replies:\([0-9]*\).*/\1/p')"
redis-benchmark -p "$port" -c 20 -n "$requests" -t ping,set,get >"$work/bench.log" 2>&1 &
bench_pids+=($!)
redis-benchmark -p "$port" -c 20 -n "$hincr_requests" hincrbyfloat hload f 1.5 >"$work/bench-hincr.log" 2>&1 &
bench_pids+=($!)
# Apply once both benchmarks have their clients connected (41 with the one asking).
for _ in $(seq 1 400); do
  [ "$(cli info clients | sed -n 's/^connected_clients:\([0-9]*\).*/\1/p')" -ge 41 ] && break
  sleep 0.05
done

step "apply under load: tfix run $(basename "$runbook") --pid $server_pid"
tfix run "$runbook" --pid "$server_pid"
# The claim is "applied under load": both benchmarks must still be running once the patch is in force.
for p in "${bench_pids[@]}"; do
  kill -0 "$p" 2>/dev/null || die "benchmark $p ended before the patch was in force: raise REQUESTS (now $requests)"
  echo "benchmark $p still running after the apply"
done

step "wait for the benchmarks"
status=0
for p in "${bench_pids[@]}"; do wait "$p" || status=$?; done
bench_pids=()
[ "$status" = 0 ] || { cat "$work/bench.log" "$work/bench-hincr.log"; die "a benchmark failed (exit $status)"; }
summary() { tr '\r' '\n' <"$1" | grep -E '^====|requests completed|throughput summary|requests per second' || true; }
summary "$work/bench.log"; summary "$work/bench-hincr.log"
completed="$(tr '\r' '\n' <"$work/bench.log" | grep -c "  $requests requests completed" || true)"
completed_hincr="$(tr '\r' '\n' <"$work/bench-hincr.log" | grep -c "  $hincr_requests requests completed" || true)"
errors_after="$(cli info stats | sed -n 's/^total_error_replies:\([0-9]*\).*/\1/p')"
hload="$(cli hget hload f)"
expected="$(awk -v n="$hincr_requests" 'BEGIN { printf "%d", n * 1.5 }')"
echo "ping/set/get tests that completed all $requests requests: $completed (of 4)"
echo "HINCRBYFLOAT runs that completed all $hincr_requests requests: $completed_hincr (of 1)"
echo "error replies during the load: $((errors_after - errors_before))"
echo "HGET hload f = $hload (expected $expected: every HINCRBYFLOAT counted once, before, during and after the patch)"
[ "$completed" = 4 ] && [ "$completed_hincr" = 1 ] || die "not every benchmark test completed all its requests"
[ "$errors_after" = "$errors_before" ] || die "the server replied with errors during the load"
[ "$hload" = "$expected" ] || die "HINCRBYFLOAT lost or doubled increments under the patch"
kill -0 "$server_pid" || die "redis-server died"

step "after: fixed (the error is the commit's, and no key is created: EXISTS 0)"
show; [ "$exists" = 0 ] || die "the fix does not show: EXISTS hfoo is $exists, expected 0"
tfix verify --pid "$server_pid"

step "revert"
if [ -n "$revert_runbook" ]; then tfix run "$revert_runbook" --pid "$server_pid"; else tfix revert --pid "$server_pid" hincrbyfloatCommand; fi

step "after the revert: the bug is back"
show; [ "$exists" = 1 ] || die "after the revert EXISTS hfoo is $exists, expected 1"

step "stop redis-server"
cli shutdown nosave >/dev/null 2>&1 || true
wait "$server_pid" 2>/dev/null || true
server_pid=""
echo "done: same pid $(basename "$server_bin") patched and reverted live; logs in $work"
