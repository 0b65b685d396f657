#!/usr/bin/env bash
# serial_share.sh BIN [TRIALS] [THREADS]: the serial share of a whole
# `cordon run` (default scenario, all variants, all outputs), from the
# phases BIN reports with CORDON_TIMINGS=1 (a binary from issue 16 on).
#
# Serial is the wall time no other thread can share, whatever the thread
# count: start-up, the longest task of building the workers' statistics
# and of joining and settling them (a variant's task settles its weeks in
# pieces: only the longest piece counts, with what is around the pieces),
# the
# last window's trials.csv rows, the flush, the
# longest task of each parallel step of the tables, the manifest and the
# files written, reading weekly.csv back (its pieces are tasks: only the
# longest counts), the commit and the longest chart, and what the process
# does before its clock starts and after it reports its total (loading;
# freeing, exiting). Parallel is the rest:
# the trials (with the rows of every window but the last, written while
# the next window runs), the other tables and charts, and trials.csv read
# back in blocks. The share is serial / total at THREADS threads (default
# 1: the Amdahl figure).
set -euo pipefail
BIN=$1
TRIALS=${2:-20000}
THREADS=${3:-1}
OUT=$(mktemp -d)
# On failure, cordon's messages (sent to the timings file) go to stderr.
trap 'rc=$?; if [ "$rc" -ne 0 ] && [ -f "$OUT/timings.txt" ]; then cat "$OUT/timings.txt" >&2; fi; rm -rf "$OUT"' EXIT
# The process's own wall time, start to exit: what it spends before its
# clock starts (loading, parsing the command line) and after its `total`
# (freeing what is left, the kernel tearing the process down) is serial
# too.
T0=$EPOCHREALTIME
CORDON_TIMINGS=1 "$BIN" run --trials "$TRIALS" --threads "$THREADS" --out "$OUT/run" \
  --force --quiet 2> "$OUT/timings.txt"
T1=$EPOCHREALTIME
awk -v wall="$(awk -v a="${T0/,/.}" -v b="${T1/,/.}" 'BEGIN { printf "%.6f", b - a }')" '
  $1 != "timings:" { next }
  { what = $2; for (i = 3; i < NF; i++) what = what " " $i; t = $NF }
  # The variants are prepared in parallel during start-up: only the
  # longest counts (older binaries report no tasks there).
  what == "setup" { crit[stage] += stepmax; stepmax = 0; setup = t - sum[stage] + crit[stage]; stage = "workers" }
  # The workers statistics built before the trials, and settled and
  # merged after them: parallel steps of their own inside the trials.
  what == "workers" { crit[stage] += stepmax; stepmax = 0; workers = t - sum[stage] + crit[stage]; stage = "merge" }
  what == "merged" { crit[stage] += stepmax; stepmax = 0; merge = t - sum[stage] + crit[stage]; stage = "trials" }
  what == "sink" { sink_last = t; sinks += t }
  what == "trials" { trials = t; stage = "tables" }
  what == "flush" { flush = t }
  # A parallel step is a run of tasks numbered from 0; its critical path is
  # its longest task, and a stage (tables, charts) may have several steps.
  # A task may run pieces of its own on the pool (the weeks of a variant,
  # settled): its critical path is what is around its pieces plus the
  # longest of them.
  what ~ /^piece / { psum += t; if (t > pmax) pmax = t }
  what ~ /^task / {
    if (what == "task 0") { crit[stage] += stepmax; stepmax = 0 }
    own = t - psum + pmax; psum = 0; pmax = 0
    if (own > stepmax) stepmax = own
    sum[stage] += t
  }
  what == "tables" || what == "commit_and_charts" { crit[stage] += stepmax; stepmax = 0 }
  what == "tables" { tables = t; stage = "read" }
  # weekly.csv is parsed in pieces, tasks of their own: only the longest
  # piece and what is around them (reading the file, merging) are serial.
  what == "read weekly.csv" { crit[stage] += stepmax; stepmax = 0; weekly = t; wsum = sum[stage]; wmax = crit[stage] }
  what == "read trials.csv" { crit[stage] += stepmax; stepmax = 0; rtrials = t; rsum = sum[stage]; rcrit = crit[stage] }
  # states.csv, borders.csv and comparison.csv are read by tasks of one
  # step: only the longest counts.
  what == "read" { crit[stage] += stepmax; stepmax = 0; read = t; small = sum[stage] - rsum - (crit[stage] - rcrit); stage = "charts" }
  what == "commit_and_charts" { charts = t }
  what == "total" { total = t }
  END {
    tsum = sum["tables"]; tmax = crit["tables"]; csum = sum["charts"]; cmax = crit["charts"]
    other_tables = tables - tsum            # the manifest, the files written
    other_charts = charts - read - csum     # fonts, the commit, charts/
    other_read = read - weekly - rtrials - small  # states, borders, comparison: the longest
    weekly_serial = weekly - wsum + wmax   # the file read and merged, the longest piece
    unclocked = wall - total; if (unclocked < 0) unclocked = 0
    serial = setup + workers + merge + sink_last + flush + tmax + other_tables + weekly_serial + other_read \
      + other_charts + cmax + unclocked
    total = total + unclocked
    printf "total_s,%.3f\ntrials_s,%.3f\nsinks_s,%.3f\nlast_sink_s,%.3f\n", total, trials, sinks, sink_last
    printf "workers_critical_path_s,%.3f\nmerge_critical_path_s,%.3f\n", workers, merge
    printf "setup_s,%.3f\nflush_s,%.3f\ntables_s,%.3f\ntables_critical_path_s,%.3f\n", setup, flush, tables, tmax
    printf "tables_other_s,%.3f\n", other_tables
    printf "read_weekly_s,%.3f\nread_weekly_critical_path_s,%.3f\nread_trials_s,%.3f\nread_other_s,%.3f\n", weekly, weekly_serial, rtrials, other_read
    printf "charts_s,%.3f\ncharts_critical_path_s,%.3f\ncommit_and_fonts_s,%.3f\n", csum, cmax, other_charts
    printf "before_clock_and_after_total_s,%.3f\n", unclocked
    printf "outside_trials_s,%.3f\nserial_s,%.3f\nserial_share,%.4f\n", total - trials + sink_last, serial, serial / total
    s = serial / total
    printf "amdahl_16_threads,%.1f\n", 1 / (s + (1 - s) / 16)
  }' "$OUT/timings.txt"
