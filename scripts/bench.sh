#!/usr/bin/env bash
# The benchmark harness: ironboa's server against a raw std::net ceiling, telnetlib3 and
# miniboa, then ironboa with TLS against a rustls server with no Telnet, in one sitting. Prints
# the table (and writes it to target/bench-table.md, or $CARGO_TARGET_DIR/bench-table.md).
#
#   scripts/bench.sh            # full run: about 7 to 8 minutes
#   scripts/bench.sh --quick    # one repeat, shorter runs: about a minute and a half
#   scripts/bench.sh --tls-only # only the TELNETS figures (ironboa --tls beside a rustls echo
#                               # server with no Telnet): about a minute and a half
#
# The examples are found in $CARGO_TARGET_DIR when it is set (else target/), the Python peers
# in $IRONBOA_PEERS_VENV (else target/peers-venv).
#
# It needs about 10,000 open files per process and 10,000 threads (see BENCHMARKS.md for the
# kernel limits that bound this and how to raise them).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
venv="${IRONBOA_PEERS_VENV:-$PWD/target/peers-venv}"
python="$venv/bin/python"
tls_only=false
[[ " $* " == *" --tls-only "* ]] && tls_only=true
if $tls_only; then
    # No Python peer is measured: any Python 3 runs the harness.
    [[ -x "$python" ]] || python=python3
else
    IRONBOA_VENV="$venv" bash scripts/setup-peers.sh >/dev/null ||
        echo "bench: some peers missing; Python rows may be skipped" >&2
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
# The `tls` feature: the harness measures TELNETS too (bench_server raw-tls, --tls); the
# `proxy-protocol` feature: the backends behind HAProxy read PROXY headers; `mccp`: mccp_bench.
cargo build --release --examples --features tls,proxy-protocol,mccp --quiet
IRONBOA_PEERS_VENV="$venv" "$python" bench/run.py "$@"
$tls_only && exit 0
# Behind HAProxy (two backends per balancer; PROXY protocol v2), and connections per process.
IRONBOA_PEERS_VENV="$venv" "$python" bench/balancer.py "$@"

# The engine's parse speed beside a bare memchr scan, and beside C libtelnet on the same
# streams (libtelnet-dev is installed when root and missing).
echo
echo "### Parse speed (cargo bench --bench parse)"
cargo bench --quiet --bench parse 2>/dev/null | tail -7
if [[ ! -f /usr/include/libtelnet.h && $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libtelnet-dev >/dev/null 2>&1 || true
fi
if [[ -f /usr/include/libtelnet.h ]]; then
    target_dir="${CARGO_TARGET_DIR:-target}"
    cc -O2 bench/libtelnet_parse.c -ltelnet -o "$target_dir/libtelnet_parse"
    echo
    echo "### C libtelnet on the same streams (bench/libtelnet_parse.c)"
    "$target_dir/libtelnet_parse"
else
    echo "(libtelnet-dev not installed: no libtelnet figures)"
fi
