#!/bin/sh
# Regenerates the reference recordings in assets/recordings/ from a live run of every
# lesson that exists (needs root, like any live run). Run after a lesson changes;
# `contlab lesson lint` says which recordings are stale.
set -eu
cd "$(dirname "$0")/.."
cargo build --release
rm -f assets/recordings/*.journal.jsonl assets/recordings/*.cast
exec ./target/release/contlab run --all --lang en --record assets/recordings
