#!/usr/bin/env bash
# The report in a real browser: writes a report of the default scenario with
# the release binary, loads it in headless Chromium and checks that it
# renders without console errors or network requests, that every chart is
# visible, that tables sort on click and fit the page on screen and on A4;
# saves the screenshot the README shows (docs/images/report.png).
#
# Needs Debian's chromium (installed here if missing; that needs root) and
# Node 20 with npm (playwright-core is installed into a temporary folder).
# CHROMIUM overrides the browser, CORDON the binary (default: a release
# build). Exits non-zero with a message on any failure.
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { echo "report-check: $*"; }
die() { echo "report-check: FAILED: $*" >&2; exit 1; }

# shellcheck source=tests/browser/setup.sh
source tests/browser/setup.sh

say "running the default scenario and writing its report"
"$cordon" run --quiet --trials 300 --out "$work/run" || die "cordon run failed"
"$cordon" report "$work/run" >/dev/null || die "cordon report failed"

mkdir -p docs/images
NODE_PATH="$work/node_modules" CHROMIUM="$chromium_bin" \
    timeout 120 node tests/browser/report-check.js "$work/run/report.html" docs/images/report.png \
    || die "the report did not pass in the browser (see above)"
