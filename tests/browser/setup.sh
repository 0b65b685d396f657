# Shared by the browser checks (sourced, not run): installs what they need
# and sets `chromium_bin`, `work` (a temporary folder removed on exit, with
# playwright-core in $work/node_modules) and `cordon` (the binary: $CORDON,
# or a release build). The caller defines `say` and `die` first.

chromium_bin=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium_bin" ]; then
    [ "$(id -u)" -eq 0 ] || die "$chromium_bin is missing and installing it needs root (apt-get install chromium)"
    say "installing Debian's chromium"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends chromium >/dev/null || die "apt-get install chromium failed"
fi
command -v node >/dev/null || die "node is missing (Node 20 or newer is needed)"
command -v npm >/dev/null || die "npm is missing"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

say "installing playwright-core into $work"
(cd "$work" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund playwright-core@1 >/dev/null) \
    || die "npm install playwright-core failed"

if [ -n "${CORDON:-}" ]; then
    cordon=$CORDON
else
    say "building the release binary"
    cargo build --release --locked --quiet || die "cargo build --release failed"
    cordon="${CARGO_TARGET_DIR:-target}/release/cordon"
fi

