#!/usr/bin/env bash
# Runs the engine's fuzz target for SECONDS (default 600), starting from the kept corpus in
# fuzz/corpus/engine. Installs cargo-fuzz from crates.io when it is missing. cargo-fuzz wants
# nightly features; RUSTC_BOOTSTRAP=1 lets the stable toolchain provide them.
#
#   scripts/fuzz.sh 3600      # an hour
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${1:-600}"
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
# Work on a copy of the corpus so a smoke run leaves the kept corpus untouched.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if compgen -G "fuzz/corpus/engine/*" >/dev/null; then cp fuzz/corpus/engine/* "$work/"; fi
status=0
RUSTC_BOOTSTRAP=1 cargo fuzz run engine "$work" -- -max_total_time="$seconds" -print_final_stats=1 \
    >"$work.log" 2>&1 || status=$?
grep -E "^(Done|stat::number_of_executed_units|SUMMARY)|panicked|deadly signal" "$work.log" || true
if [[ $status -ne 0 ]]; then
    tail -40 "$work.log"
    echo "fuzz: the engine target failed (exit $status); see fuzz/artifacts/engine" >&2
fi
rm -f "$work.log"
exit $status
