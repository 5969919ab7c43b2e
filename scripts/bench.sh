#!/usr/bin/env bash
# The benchmark harness: ironboa's server against a raw std::net ceiling, telnetlib3 and
# miniboa, in one sitting. Prints the table (and writes it to target/bench-table.md).
#
#   scripts/bench.sh            # full run: about 7 to 8 minutes
#   scripts/bench.sh --quick    # one repeat, shorter runs: about a minute and a half
#
# It needs about 10,000 open files per process and 10,000 threads (see BENCHMARKS.md for the
# kernel limits that bound this and how to raise them).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup-peers.sh >/dev/null || echo "bench: some peers missing; Python rows may be skipped" >&2
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
cargo build --release --examples --quiet
cargo build --release --example mccp_bench --features mccp --quiet
"$PWD/target/peers-venv/bin/python" bench/run.py "$@"

# The engine's parse speed beside a bare memchr scan, and beside C libtelnet on the same
# streams (libtelnet-dev is installed when root and missing).
echo
echo "### Parse speed (cargo bench --bench parse)"
cargo bench --quiet --bench parse 2>/dev/null | tail -7
if [[ ! -f /usr/include/libtelnet.h && $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libtelnet-dev >/dev/null 2>&1 || true
fi
if [[ -f /usr/include/libtelnet.h ]]; then
    cc -O2 bench/libtelnet_parse.c -ltelnet -o target/libtelnet_parse
    echo
    echo "### C libtelnet on the same streams (bench/libtelnet_parse.c)"
    target/libtelnet_parse
else
    echo "(libtelnet-dev not installed: no libtelnet figures)"
fi
