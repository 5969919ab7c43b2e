#!/usr/bin/env bash
# The benchmark harness: ironboa's server against a raw std::net ceiling, telnetlib3 and
# miniboa, in one sitting. Prints the table (and writes it to target/bench-table.md).
#
#   scripts/bench.sh            # full run: about 6 minutes
#   scripts/bench.sh --quick    # one repeat, shorter runs: about a minute
#
# It needs about 10,000 open files per process and 10,000 threads (see BENCHMARKS.md for the
# kernel limits that bound this and how to raise them).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup-peers.sh >/dev/null || echo "bench: some peers missing; Python rows may be skipped" >&2
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
cargo build --release --examples --quiet
exec "$PWD/target/peers-venv/bin/python" bench/run.py "$@"
