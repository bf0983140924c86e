#!/usr/bin/env bash
# Runs every benchmark at its defaults, one after the other, and collects the SUMMARY lines.
# Usage: bash bench/run_all.sh [log file]   (needs PostgreSQL on 127.0.0.1:5432 for the PG runs, Redis on 6379 for scale.py)
set -u
cd "$(dirname "$0")/.."
PY=.venv/bin/python
LOG=${1:-bench/last-run.log}
: > "$LOG"
for cmd in \
  "bench/append.py" \
  "bench/append.py --database postgres" \
  "bench/latency.py" \
  "bench/fanout.py" \
  "bench/memory.py" \
  "bench/rebuild.py" \
  "bench/bodies.py" \
  "bench/arrears.py" \
  "bench/scale.py --runs 3"; do
  echo "### $PY $cmd   ($(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$LOG"
  # shellcheck disable=SC2086
  timeout 600 $PY $cmd 2>&1 | tee -a "$LOG"
done
echo "### SUMMARY lines"
grep '^SUMMARY' "$LOG"
