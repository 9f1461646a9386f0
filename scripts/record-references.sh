#!/bin/sh
# Regenerates the reference recordings in assets/recordings/ from a live run of every
# lesson that exists (needs root, like any live run). Run after a lesson changes;
# `contlab lesson lint` says which recordings are stale. The run keeps its progress and
# rootfs cache in a temporary state directory, so the student's own progress is untouched.
set -eu
cd "$(dirname "$0")/.."
cargo build --release
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
rm -f assets/recordings/*.journal.jsonl assets/recordings/*.cast
CONTLAB_STATE_DIR="$state" ./target/release/contlab run --all --lang en --record assets/recordings
