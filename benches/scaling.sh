#!/usr/bin/env bash
# Studies against `cordon run`, whole commands, on the default scenario.
#
#   benches/scaling.sh BIN OUTDIR THREADS...
#   e.g. benches/scaling.sh target/release/cordon /tmp/scaling 1 2 4 8 16
#
# For each thread count, times (best of 3 wall-clock runs, fixed seed,
# --quiet --force, outputs written as usual) a run, a sweep, a sensitivity
# analysis, an optimization and a calibration of about the same number of
# trials, and prints one CSV row per command: its variant-trials (trials of
# one scenario) per second and the ratio to `run`'s (issue 16, target 5:
# >= 0.9). Sweep, sensitivity and optimize run every variant of the
# scenario at each point, so they are compared with a run of all variants;
# calibrate simulates the base scenario alone, so it is compared with a run
# of the baseline alone (issue 13). Results go under OUTDIR; set REPEAT to
# change the number of repetitions, SCALE (default 1) to multiply every
# command's trials. cpu_seconds is the user + system time of the best run
# (on a loaded machine wall time is mostly waiting for a core).
#
# The workloads (SCALE = 1):
#   run          4,000 trials x 9 variants                  = 36,000
#   sweep        40 points x 100 trials x 9 variants         = 36,000
#   sensitivity  75 points x 100 trials x 9 variants         = 67,500
#   optimize     2 iterations x 21 scenarios x 100 trials
#                + 2 x 400 confirmation trials               =  5,000
#   run_base     40,000 trials of the baseline               = 40,000
#   calibrate    400 particles x 40 trials, 2 generations, and the
#                predictive check                            = from its manifest
set -u
if [ $# -lt 3 ]; then
  echo "usage: $0 BIN OUTDIR THREADS..." >&2
  exit 2
fi
BIN=$1; OUT=$2; shift 2
REPEAT=${REPEAT:-3}
SCALE=${SCALE:-1}
SEED=7
SCEN=${SCENARIO:-csto-southern-frontier}
mkdir -p "$OUT"

# best of REPEAT wall-clock seconds of "$@"; the CPU seconds (user +
# system) of that best run go to $OUT/cpu
best() {
  local best="" cpu="" t
  for _ in $(seq "$REPEAT"); do
    if ! t=$( { TIMEFORMAT='%R %U %S'; time "$@" >/dev/null 2>"$OUT/last.err"; } 2>&1 ); then
      echo "failed: $*" >&2
      cat "$OUT/last.err" >&2
      echo "nan"
      return
    fi
    read -r r u s <<<"$t"
    if [ -z "$best" ] || awk -v a="$r" -v b="$best" 'BEGIN { exit !(a < b) }'; then
      best=$r
      cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
    fi
  done
  echo "$cpu" > "$OUT/cpu"
  echo "$best"
}

# the number after "KEY": in a JSON file (first match)
json_num() {
  grep -o "\"$2\": *[0-9]*" "$1" | head -1 | grep -o "[0-9]*$"
}

RUN_T=$((4000 * SCALE)); BASE_T=$((40000 * SCALE)); PT=$((100 * SCALE))
OPT_CONFIRM=$((400 * SCALE)); PARTICLES=$((400 * SCALE)); R=40

echo "threads,command,variant_trials,best_seconds,cpu_seconds,variant_trials_per_second,against_run"
for T in "$@"; do
  d="$OUT/t$T"
  mkdir -p "$d"
  common=(--threads "$T" --seed "$SEED" --quiet --force)

  s=$(best "$BIN" run "$SCEN" --trials "$RUN_T" --out "$d/run" "${common[@]}")
  rows=$(($(wc -l < "$d/run/trials.csv") - 1))
  V=$((rows / RUN_T))
  run_rate=$(awk -v n="$rows" -v s="$s" 'BEGIN { printf "%.0f", n / s }')
  echo "$T,run,$rows,$s,$(cat "$OUT/cpu"),$run_rate,1.000"

  row() { # name variant-trials seconds reference-rate
    awk -v t="$T" -v c="$1" -v n="$2" -v s="$3" -v r="$4" -v cpu="$(cat "$OUT/cpu")" \
      'BEGIN { x = n / s; printf "%s,%s,%d,%s,%s,%.0f,%.3f\n", t, c, n, s, cpu, x, x / r }'
  }

  s=$(best "$BIN" sweep "$SCEN" --vary model.detection_scale=0.5:1.5:40 --trials "$PT" \
    --out "$d/sweep" "${common[@]}")
  row sweep $((40 * PT * V)) "$s" "$run_rate"

  s=$(best "$BIN" sensitivity "$SCEN" --metric attacks --samples 4 --bootstrap 50 --trials "$PT" \
    --out "$d/sens" "${common[@]}")
  points=$(json_num "$d/sens/manifest.json" points)
  row sensitivity $((points * PT * V)) "$s" "$run_rate"

  s=$(best "$BIN" optimize "$SCEN" --budget-of TJK --trials "$PT" --iterations 2 --candidates 20 \
    --confirm-trials "$OPT_CONFIRM" --out "$d/opt" "${common[@]}")
  row optimize $((2 * 21 * PT + 2 * OPT_CONFIRM)) "$s" "$run_rate"

  s=$(best "$BIN" run "$SCEN" --trials "$BASE_T" --variant baseline --out "$d/run_base" "${common[@]}")
  base_rate=$(awk -v n="$BASE_T" -v s="$s" 'BEGIN { printf "%.0f", n / s }')
  echo "$T,run_baseline,$BASE_T,$s,$(cat "$OUT/cpu"),$base_rate,1.000"

  s=$(best "$BIN" calibrate "$SCEN" --particles "$PARTICLES" --trials-per-particle "$R" --generations 2 \
    --out "$d/cal" "${common[@]}")
  sims=$(json_num "$d/cal/manifest.json" simulations)
  row calibrate $(((sims + PARTICLES) * R)) "$s" "$base_rate"
done
