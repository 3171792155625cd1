#!/usr/bin/env bash
# Runs tfix's whole test suite on this machine, installing what it needs first.
# Tests attach to real processes with ptrace: run as root (or with CAP_SYS_PTRACE).
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"

need=()
ldconfig -p 2>/dev/null | grep 'libcapstone\.so\.4' >/dev/null || need+=(libcapstone4)
command -v gcc >/dev/null || need+=(gcc)
command -v g++ >/dev/null || need+=(g++)
command -v make >/dev/null || need+=(make)
command -v mvn >/dev/null || need+=(maven)
command -v setsid >/dev/null || need+=(util-linux)
command -v tmux >/dev/null || need+=(tmux)
# Other allocators, preloaded by the lock tests: a borrowed thread must not hold their locks either.
[ -e /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ] || need+=(libjemalloc2)
[ -e /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 ] || need+=(libtcmalloc-minimal4)
# A real program nobody here wrote, patched under load by RedisTest.
command -v redis-server >/dev/null || need+=(redis-server)
command -v redis-benchmark >/dev/null || need+=(redis-tools)
# The Ansible module's tests and the sample playbook (packaging/ansible), run by AnsibleTest.
command -v ansible-playbook >/dev/null || need+=(ansible-core)
command -v python3 >/dev/null || need+=(python3)
# libc's detached symbols (about 11 MB installed), found by build-id: DebugFilesTest names libc's static functions.
dpkg -s libc6-dbg >/dev/null 2>&1 || need+=(libc6-dbg)
# Stripping and MiniDebugInfo are made by the tests as distributions make them.
command -v objcopy >/dev/null || need+=(binutils)
# tfix build applies diffs with GNU patch (BuildCommandTest).
command -v patch >/dev/null || need+=(patch)
command -v xz >/dev/null || need+=(xz-utils)
if [ ${#need[@]} -gt 0 ]; then
  echo "test.sh: installing ${need[*]}" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

exec mvn -B -ntp verify "$@"
