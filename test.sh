#!/usr/bin/env bash
# Installs what the tests need and runs every check CI runs, cheapest first:
# format, lints, tests (nextest + doctests), benches compile, fuzz targets compile.
set -euo pipefail
cd "$(dirname "$0")"

step() { printf '\n==> %s\n' "$*"; }

step "tools"
if ! command -v cargo >/dev/null 2>&1; then
    echo "error: cargo not found; install Rust with rustup (https://rustup.rs)" >&2
    exit 2
fi
if command -v rustup >/dev/null 2>&1; then
    rustup component add rustfmt clippy >/dev/null 2>&1 || true
fi
if ! cargo nextest --version >/dev/null 2>&1; then
    cargo install cargo-nextest --locked
fi

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "tests"
cargo nextest run --workspace --locked --no-fail-fast
cargo test --workspace --doc --locked

step "benches compile"
cargo bench --workspace --no-run --locked

step "fuzz targets compile"
# Built with the stable toolchain and no sanitizer instrumentation: this checks the targets
# compile and link. Fuzzing itself is `cargo +nightly fuzz run <target>` (see fuzz/README.md).
cargo build --manifest-path fuzz/Cargo.toml --bins
