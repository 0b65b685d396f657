#!/usr/bin/env python3
"""Compare the metric means of two independent runs' summary.csv files.

    scripts/compare-summaries.py BEFORE/summary.csv AFTER/summary.csv [--table]

For every (variant, metric) row in both files: z = (mean_b - mean_a) /
sqrt(se_a^2 + se_b^2). With two independent runs of the same model every z
is approximately standard normal, so about 4.55% of rows should have |z| > 2
and 0.27% |z| > 3 (rows of one run are correlated, so the counts scatter
more than a binomial would). Rows whose standard error is 0 in both runs
(deterministic metrics such as spend) must have equal means. Prints the
counts, the largest |z|, and with --table every row.
"""
import csv
import math
import sys


def read(path):
    with open(path, newline="") as f:
        return {(r["variant"], r["metric"]): r for r in csv.DictReader(f)}


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    table = "--table" in sys.argv
    a, b = read(args[0]), read(args[1])
    rows, fixed, broken = [], 0, []
    for key in a:
        if key not in b:
            continue
        ra, rb = a[key], b[key]
        if ra["mean"] == "" or rb["mean"] == "":
            continue
        ma, mb = float(ra["mean"]), float(rb["mean"])
        sa = float(ra["se"] or 0.0)
        sb = float(rb["se"] or 0.0)
        se = math.hypot(sa, sb)
        if se == 0.0:
            if abs(ma - mb) > 1e-9 * max(1.0, abs(ma)):
                broken.append((key, ma, mb))
            fixed += 1
            continue
        rows.append((key, ma, mb, (mb - ma) / se))
    n = len(rows)
    over2 = sum(1 for r in rows if abs(r[3]) > 2)
    over3 = sum(1 for r in rows if abs(r[3]) > 3)
    mean_z = sum(r[3] for r in rows) / n
    rms_z = math.sqrt(sum(r[3] ** 2 for r in rows) / n)
    print(f"rows compared: {n} (plus {fixed} deterministic, {len(broken)} of them differ)")
    print(f"|z| > 2: {over2} (expected {0.0455 * n:.1f})")
    print(f"|z| > 3: {over3} (expected {0.0027 * n:.1f})")
    print(f"mean z {mean_z:+.3f}, rms z {rms_z:.3f} (expected 0 and 1)")
    worst = sorted(rows, key=lambda r: -abs(r[3]))[:8]
    print("largest |z|:")
    for (v, m), ma, mb, z in worst:
        print(f"  {v:24} {m:28} {ma:14.6g} {mb:14.6g} z = {z:+.2f}")
    for key, ma, mb in broken:
        print(f"DETERMINISTIC ROW DIFFERS: {key}: {ma} vs {mb}")
    if table:
        print("| variant | metric | before | after | z |")
        print("|---|---|---|---|---|")
        for (v, m), ma, mb, z in rows:
            print(f"| {v} | {m} | {ma:.6g} | {mb:.6g} | {z:+.2f} |")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
