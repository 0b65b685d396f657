#!/usr/bin/env bash
# Target 5 of issue 16 for optimize, in paired rounds, for a noisy machine:
#
#   benches/optimize_vs_run.sh ROUNDS THREADS BIN [BIN...]
#   e.g. benches/optimize_vs_run.sh 8 1 old/cordon target/release/cordon
#
# Each round, for each binary (in alternating order), times one
# `cordon run --trials 4000` of the default scenario (36,000
# variant-trials) and the best of three `cordon optimize --budget-of TJK
# --trials 100 --iterations 2 --candidates 20 --confirm-trials 400`
# (5,000 variant-trials, benches/scaling.sh's), and takes the ratio of
# their variant-trials per second within the round, so that a slow spell
# of the machine slows both. Prints one CSV row per binary and round, then
# each binary's median ratio. ITERATIONS and CONFIRM (default 2 and 400)
# change the search's size: ITERATIONS=8 CONFIRM=2000 is optimize's own
# default at 100 trials a candidate (20,800 variant-trials).
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 ROUNDS THREADS BIN [BIN...]" >&2
  exit 2
fi
ROUNDS=$1; THREADS=$2; shift 2
ITERATIONS=${ITERATIONS:-2}
CONFIRM=${CONFIRM:-400}
WORK=$((ITERATIONS * 21 * 100 + 2 * CONFIRM))
BINS=("$@")
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
# Wall seconds of a command, from bash's own clock (EPOCHREALTIME, no
# process forked around the command: `date` had added a millisecond or
# two to each, more of a short optimization than of a run).
seconds() {
  local t0 t1
  t0=$EPOCHREALTIME
  "$@" >/dev/null 2>"$OUT/err" || { cat "$OUT/err" >&2; exit 1; }
  t1=$EPOCHREALTIME
  awk -v a="${t0/,/.}" -v b="${t1/,/.}" 'BEGIN { printf "%.4f", b - a }'
}
run_of() {
  seconds "$1" run csto-southern-frontier --trials 4000 --seed 7 --threads "$THREADS" \
    --out "$OUT/run" --quiet --force
}
optimize_of() {
  seconds "$1" optimize csto-southern-frontier --budget-of TJK --trials 100 --iterations "$ITERATIONS" \
    --candidates 20 --confirm-trials "$CONFIRM" --seed 7 --threads "$THREADS" --out "$OUT/opt" --quiet --force
}
echo "binary,round,run_seconds,optimize_seconds,ratio"
for r in $(seq "$ROUNDS"); do
  order=("${BINS[@]}")
  if [ $((r % 2)) -eq 0 ]; then
    order=(); for ((i = ${#BINS[@]} - 1; i >= 0; i--)); do order+=("${BINS[$i]}"); done
  fi
  for b in "${order[@]}"; do
    o1=$(optimize_of "$b"); t=$(run_of "$b"); o2=$(optimize_of "$b"); o3=$(optimize_of "$b")
    o=$(printf '%s\n' "$o1" "$o2" "$o3" | sort -g | head -1)
    awk -v b="$b" -v r="$r" -v t="$t" -v o="$o" -v w="$WORK" \
      'BEGIN { printf "%s,%d,%s,%s,%.3f\n", b, r, t, o, (w / o) / (36000 / t) }'
  done
done | tee "$OUT/rows.csv"
for b in "${BINS[@]}"; do
  awk -F, -v b="$b" '$1 == b { print $5 }' "$OUT/rows.csv" | sort -g \
    | awk -v b="$b" '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "# %s: median ratio %.3f over %d rounds (%.3f-%.3f)\n", b, m, NR, v[1], v[NR] }'
done
