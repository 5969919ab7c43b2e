#!/usr/bin/env bash
# The test command: installs what the tests need, then runs the whole suite.
#
#   scripts/test.sh            # everything: peers, unit, property, integration, doc tests, bench smoke
#
# It installs the third-party Telnet peers (Debian packages when root, a Python venv with
# telnetlib3 and miniboa under target/), then runs cargo's tests with IRONBOA_REQUIRE_PEERS=1 so a
# test that cannot find a peer fails instead of skipping.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup-peers.sh
export IRONBOA_PEERS_VENV="$PWD/target/peers-venv"
export IRONBOA_REQUIRE_PEERS=1

# The benchmarks' smoke runs (each bench exercises its code paths briefly without --bench) and
# the examples' own unit tests (command_shell's parameter splitting).
cargo test --all-features --release --benches --examples
# The whole suite last, so its summary closes the run: unit, property, peer and doc tests.
cargo test --all-features --release
