#!/usr/bin/env bash
# The trace page in a real browser: traces a trial of the default scenario
# under the baseline and one variant with the release binary, loads
# trace.html in headless Chromium and checks that it renders without
# console errors or network requests, that pressing play advances the week
# and that the maps show cells; saves the screenshot the README shows
# (docs/images/trace.png).
#
# Needs Debian's chromium (installed here if missing; that needs root) and
# Node 20 with npm (playwright-core is installed into a temporary folder).
# CHROMIUM overrides the browser, CORDON the binary (default: a release
# build). Exits non-zero with a message on any failure.
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { echo "trace-check: $*"; }
die() { echo "trace-check: FAILED: $*" >&2; exit 1; }

# shellcheck source=tests/browser/setup.sh
source tests/browser/setup.sh

say "tracing trial 0 of the default scenario, baseline and border_heavy"
"$cordon" trace --quiet --trial 0 --variant border_heavy --out "$work/trace" || die "cordon trace failed"

mkdir -p docs/images
NODE_PATH="$work/node_modules" CHROMIUM="$chromium_bin" \
    timeout 120 node tests/browser/trace-check.js "$work/trace/trace.html" docs/images/trace.png \
    || die "the trace page did not pass in the browser (see above)"
