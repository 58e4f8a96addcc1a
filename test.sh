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
# C headers the Kafka client (librdkafka, built from source by rdkafka-sys) links against.
if ! dpkg -s libssl-dev zlib1g-dev pkg-config >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    apt-get install -y --no-install-recommends libssl-dev zlib1g-dev pkg-config
fi

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

# ---- begin: sigma differential-test oracle ---------------------------------------------------
# crates/vigil-sigma/tests/differential.rs compares the Sigma engine with pySigma's SQLite
# backend, run from a venv with the exact pins of crates/vigil-sigma/oracle/requirements.txt.
# The test finds it through VIGIL_ORACLE_PYTHON (and skips without it, for a plain
# `cargo test`), so any failure to build the venv fails here, loudly. The install is skipped
# when the venv already holds exactly these pins. VIGIL_ORACLE_VENV moves the venv (CI can
# keep it outside its fresh clone); the default is .venv-oracle (gitignored).
step "sigma oracle venv"
oracle_requirements="crates/vigil-sigma/oracle/requirements.txt"
oracle_venv="${VIGIL_ORACLE_VENV:-$PWD/.venv-oracle}"
if ! cmp -s "$oracle_requirements" "$oracle_venv/requirements.installed" \
    || ! "$oracle_venv/bin/python" -c 'import sigma.backends.sqlite' >/dev/null 2>&1; then
    rm -rf "$oracle_venv"
    python3 -m venv "$oracle_venv"
    "$oracle_venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        --no-input -r "$oracle_requirements"
    cp "$oracle_requirements" "$oracle_venv/requirements.installed"
fi
"$oracle_venv/bin/python" -c 'import sigma.backends.sqlite'
export VIGIL_ORACLE_PYTHON="$oracle_venv/bin/python"
# ---- end: sigma differential-test oracle -----------------------------------------------------

# ---- begin: S3-compatible test server ----------------------------------------------------------
# crates/vigil-sources tests the S3 poller against a real S3-compatible server, s3s-fs from the
# Rust package registry, found through VIGIL_S3S_FS (without it those tests print that they were
# skipped). Installed once into VIGIL_TOOLS_DIR (default .tools, gitignored; CI keeps it in its
# cache); the build takes about ten minutes the first time.
step "s3s-fs test server"
tools_dir="${VIGIL_TOOLS_DIR:-$PWD/.tools}"
if [ ! -x "$tools_dir/bin/s3s-fs" ]; then
    cargo install s3s-fs@0.14.1 --locked --features binary --root "$tools_dir"
fi
export VIGIL_S3S_FS="$tools_dir/bin/s3s-fs"
# ---- end: S3-compatible test server ------------------------------------------------------------

# ---- begin: Kafka test broker ----------------------------------------------------------------
# crates/vigil-sources tests the Kafka source (a consumer group, librdkafka) against a real
# Kafka-compatible broker: tansu from the Rust package registry, which the tests start on
# 127.0.0.1 with in-memory storage (its `dynostore` feature), found through VIGIL_KAFKA_BROKER
# (without it those tests print that they were skipped). Installed once into the same tools
# directory as s3s-fs; the build takes about twenty minutes the first time. librdkafka needs no package of its own: the
# rdkafka-sys crate compiles the copy it ships (configure and make, no cmake) against the
# OpenSSL and zlib headers of the base image (libssl-dev, zlib1g-dev), already during clippy.
step "tansu test broker"
if [ ! -x "$tools_dir/bin/tansu" ]; then
    cargo install tansu@0.6.0 --locked --features dynostore --root "$tools_dir"
fi
export VIGIL_KAFKA_BROKER="$tools_dir/bin/tansu"
# ---- end -------------------------------------------------------------------------------------

step "tests"
cargo nextest run --workspace --locked --no-fail-fast
cargo test --workspace --doc --locked

step "benches compile"
cargo bench --workspace --no-run --locked

step "fuzz targets compile"
# Built with the stable toolchain and no sanitizer instrumentation: this checks the targets
# compile and link. Fuzzing itself is `cargo +nightly fuzz run <target>` (see fuzz/README.md).
cargo build --manifest-path fuzz/Cargo.toml --bins
