#!/usr/bin/env bash
# threads.sh BIN OUTDIR: how a whole `cordon run` scales with threads.
#
# Runs the default scenario, all nine variants, 20,000 trials, with all
# outputs written (tables, trials.csv, charts), at 1, 2, 4, 8 and 16
# threads, best of 2 each (override with THREADS="1 2 4" and REPEATS=3, and
# TRIALS=20000), and prints CSV: threads, wall_s (best), speedup (against
# the best 1-thread time, or the first thread count given). With
# CORDON_TIMINGS=1 set, the phases of each run go to OUTDIR/timings-T-R.txt
# (see docs/performance.md, "Serial share"). Needs only bash, date and BIN.
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 BIN OUTDIR" >&2
  exit 2
fi
BIN=$1
OUT=$2
THREADS=${THREADS:-"1 2 4 8 16"}
REPEATS=${REPEATS:-2}
TRIALS=${TRIALS:-20000}
mkdir -p "$OUT"
echo "threads,wall_s,speedup"
base=""
for t in $THREADS; do
  best=""
  for r in $(seq "$REPEATS"); do
    start=$(date +%s.%N)
    "$BIN" run --trials "$TRIALS" --threads "$t" --out "$OUT/run-$t" --force --quiet \
      2> "$OUT/timings-$t-$r.txt"
    end=$(date +%s.%N)
    wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
    best=$(awk -v a="${best:-$wall}" -v b="$wall" 'BEGIN { print (b < a ? b : a) }')
  done
  base=${base:-$best}
  awk -v t="$t" -v w="$best" -v b="$base" 'BEGIN { printf "%d,%.3f,%.2f\n", t, w, b / w }'
done
