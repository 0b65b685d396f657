// Shared by the browser checks: opens a self-contained page of cordon's in
// a fresh headless Chromium profile and collects, as failures, every console
// error or warning, page error and request other than the page itself; then
// reports the failures and sets the exit code.
"use strict";

const path = require("path");
const { chromium } = require("playwright-core");

// What went wrong, in the order noticed (one check per process).
const failures = [];

/// Notes a failure; the check goes on, and fails at the end.
function fail(what) {
  failures.push(what);
}

/// Runs `check(page)` on the page at `file`, in a window of `viewport`,
/// and exits 1 naming every failure (`name` prefixes the lines).
function checkPage({ name, file, viewport, done }, check) {
  const pageUrl = "file://" + path.resolve(file);
  async function main() {
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    try {
      // A fresh context is a fresh, empty profile.
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      page.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") fail(`console ${m.type()}: ${m.text()}`);
      });
      page.on("pageerror", (e) => fail(`page error: ${e.message}`));
      page.on("request", (r) => {
        if (r.url() !== pageUrl) fail(`request to ${r.url()}`);
      });
      page.on("requestfailed", (r) => {
        if (r.url() === pageUrl) fail(`the page itself failed to load: ${r.failure() && r.failure().errorText}`);
      });
      const response = await page.goto(pageUrl, { waitUntil: "load" });
      if (!response || !response.ok()) fail(`loading ${pageUrl} failed`);
      await check(page);
      await context.close();
    } finally {
      await browser.close();
    }
  }
  main()
    .catch((e) => fail(`the browser check could not run: ${e.stack || e}`))
    .finally(() => {
      if (failures.length) {
        console.error(`${name}: FAILED (${failures.length} problems)`);
        for (const f of failures) console.error(`  - ${f}`);
        process.exit(1);
      }
      console.log(`${name}: ok; ${done}`);
    });
}

module.exports = { checkPage, fail };
