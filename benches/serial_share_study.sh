#!/usr/bin/env bash
# serial_share_study.sh BIN sweep|sensitivity|calibrate|optimize [TRIALS] [THREADS] [POINTS]:
# the serial share of a whole `cordon sweep`, `cordon sensitivity`,
# `cordon calibrate` or `cordon optimize`
# (default scenario, all variants, all outputs), from the steps BIN
# reports with CORDON_TIMINGS=1 (a binary from the seventh pass of issue
# 16 on), and what Amdahl's law makes of it at 16 threads.
#
# A study is a sequence of parallel steps (`step NAME SECONDS`), each
# preceded by the wall times of its tasks (`task I SECONDS`): the
# scenario's variants checked, the design's points checked, each batch's
# points built and prepared, its (point, trial) items, what is kept of its
# points and its scenarios freed, the charts (calibrate: each chunk's
# particles built and prepared, their trials, their counts read, their
# likelihoods, the chunk freed; the charts).
# Serial is the wall time no other thread can share: everything outside
# the steps (reading the scenario, writing sweep.csv and the manifest, the
# commit, and what the process does before its clock starts and after it
# reports its total: loading, freeing what is left, exiting) plus each
# step's longest task. A step that reports no tasks (the
# trials: thousands of short items) counts as wholly parallel. The share
# is serial / total at THREADS threads (default 1: the Amdahl figure).
#
# The default workloads are those of benches/scaling.sh: a sweep of
# POINTS (40) points x 100 trials x 9 variants (issue 16's), and a
# sensitivity analysis of 75 points x 100 trials x 9 variants, and a
# calibration of 400 particles x 40 trials (TRIALS), 2 generations, and
# an optimization of TJK's budget at optimize's defaults: 8 iterations x
# 21 scenarios x 500 trials (TRIALS), and 2,000 confirmation trials.
set -euo pipefail
BIN=$1
STUDY=$2
TRIALS=${3:-100}
THREADS=${4:-1}
POINTS=${5:-40}
OUT=$(mktemp -d)
# On failure, cordon's messages (sent to the timings file) go to stderr.
trap 'rc=$?; if [ "$rc" -ne 0 ] && [ -f "$OUT/timings.txt" ]; then cat "$OUT/timings.txt" >&2; fi; rm -rf "$OUT"' EXIT
# The process's own wall time, start to exit: what it spends before its
# clock starts (loading, parsing the command line) and after its `total`
# (freeing what is left, exiting) is serial too.
T0=$EPOCHREALTIME
case "$STUDY" in
  sweep)
    CORDON_TIMINGS=1 "$BIN" sweep --vary "model.detection_scale=0.99:1.01:$POINTS" --trials "$TRIALS" \
      --threads "$THREADS" --seed 7 --out "$OUT/study" --force --quiet 2> "$OUT/timings.txt" ;;
  sensitivity)
    CORDON_TIMINGS=1 "$BIN" sensitivity csto-southern-frontier --metric attacks --samples 4 --bootstrap 50 \
      --trials "$TRIALS" --threads "$THREADS" --seed 7 --out "$OUT/study" --force --quiet 2> "$OUT/timings.txt" ;;
  calibrate)
    CORDON_TIMINGS=1 "$BIN" calibrate csto-southern-frontier --particles 400 --trials-per-particle "${3:-40}" \
      --generations 2 --threads "$THREADS" --seed 7 --out "$OUT/study" --force --quiet 2> "$OUT/timings.txt" ;;
  optimize)
    CORDON_TIMINGS=1 "$BIN" optimize csto-southern-frontier --budget-of TJK --trials "${3:-500}" \
      --threads "$THREADS" --seed 7 --out "$OUT/study" --force --quiet 2> "$OUT/timings.txt" ;;
  *) echo "usage: $0 BIN sweep|sensitivity|calibrate|optimize [TRIALS] [THREADS] [POINTS]" >&2; exit 2 ;;
esac
T1=$EPOCHREALTIME
awk -v wall="$(awk -v a="${T0/,/.}" -v b="${T1/,/.}" 'BEGIN { printf "%.6f", b - a }')" '
  $1 != "timings:" { next }
  $2 == "task" { t = $NF; if (t > stepmax) stepmax = t; next }
  # The workers statistics built and merged (`workers`, `merged`) are
  # steps too, with tasks of their own.
  $2 == "step" || (NF == 3 && ($2 == "workers" || $2 == "merged")) {
    if ($2 == "step") { what = $3; for (i = 4; i < NF; i++) what = what " " $i } else what = $2
    steps += $NF; crit += stepmax; by[what] += $NF; longest[what] += stepmax; stepmax = 0
    next
  }
  $2 == "total" { total = $NF }
  END {
    # Before the clock and after `total`: serial (never below 0).
    unclocked = wall - total; if (unclocked < 0) unclocked = 0
    serial = total - steps + crit + unclocked
    total = total + unclocked
    printf "total_s,%.4f\nsteps_s,%.4f\noutside_steps_s,%.4f\nbefore_clock_and_after_total_s,%.4f\n", total, steps, total - steps - unclocked, unclocked
    for (w in by) printf "step %s: s,%.4f,longest tasks summed,%.4f\n", w, by[w], longest[w]
    printf "serial_s,%.4f\nserial_share,%.4f\n", serial, serial / total
    s = serial / total
    printf "amdahl_16_threads,%.1f\n", 1 / (s + (1 - s) / 16)
  }' "$OUT/timings.txt"
