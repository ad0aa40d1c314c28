#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# run-fuzzer.sh BINARY CORPUS_DIR [libFuzzer args...]
# Replays every committed seed/crasher in CORPUS_DIR, then fuzzes for the bounded
# time given in the args, using a scratch copy so the committed corpus stays clean.
set -euo pipefail
bin=$1; corpus=$2; shift 2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
if [[ -d $corpus ]] && compgen -G "$corpus/*" >/dev/null; then
  "$bin" -runs=0 "$corpus" >/dev/null 2>"$scratch/replay.log" || { cat "$scratch/replay.log"; exit 1; }
  cp -r "$corpus/." "$scratch/"
  rm -f "$scratch/replay.log"
fi
cd "$scratch"
exec "$bin" "$@" "$scratch"
