#!/usr/bin/env bash
# Regenerates the chart images the README shows (docs/images/) from a run of
# the default scenario: the fan chart of cells inside the alliance, the
# policy comparison (forest plot) and the baseline frontier map.
#
# Usage: scripts/readme-images.sh [TRIALS]   (default 1000; about 10 s in release)
set -euo pipefail
cd "$(dirname "$0")/.."
trials="${1:-1000}"
out=target/readme-run
cargo run --release --quiet -- run scenarios/csto-southern-frontier.toml --trials "$trials" --out "$out" --force --quiet
mkdir -p docs/images
for chart in fan_cells_in_alliance forest map_baseline; do
  cp "$out/charts/$chart.png" "docs/images/$chart.png"
done
echo "docs/images/ updated from $out ($trials trials per variant)"
