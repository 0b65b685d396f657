// Loads a cordon trace page in headless Chromium (through playwright-core)
// and checks what a viewer would notice: it renders without console or
// page errors, makes no request besides the page itself, draws one map per
// policy, shows cells as dots, advances the week when play is pressed (by
// mouse and by keyboard), and steps with the buttons. Saves a screenshot.
//
// Usage: node trace-check.js TRACE.html SCREENSHOT.png
// (playwright-core must be resolvable, e.g. through NODE_PATH).
"use strict";

const { checkPage, fail } = require("./page.js");

const [pagePath, screenshotPath] = process.argv.slice(2);
if (!pagePath || !screenshotPath) {
  console.error("usage: node trace-check.js TRACE.html SCREENSHOT.png");
  process.exit(2);
}
checkPage(
  {
    name: "trace-check",
    file: pagePath,
    viewport: { width: 1600, height: 1000 },
    done: `screenshot in ${screenshotPath}`,
  },
  async (page) => {
    const week = async () => Number(await page.inputValue("#week"));
    const panels = await page.$$eval(".panel svg", (s) => s.length);
    if (panels !== 2) fail(`expected 2 maps (baseline and variant), found ${panels}`);

    // Play by mouse: the week moves on.
    const before = await week();
    await page.click("#play");
    await page.waitForTimeout(2500);
    await page.click("#play");
    const after = await week();
    if (!(after > before)) fail(`play did not advance the week (${before} → ${after})`);
    const label = await page.textContent("#week-label");
    if (!label.includes(String(after))) fail(`the week label reads “${label}” at week ${after}`);
    console.log(`trace-check: play advanced the week from ${before} to ${after}`);

    // Step buttons and keys.
    await page.click("#step");
    if ((await week()) !== after + 1) fail("the step button did not move one week on");
    await page.click("#back");
    if ((await week()) !== after) fail("the back button did not move one week back");
    await page.focus("#step");
    await page.keyboard.press("Tab"); // onto the slider; keys there are the slider's own
    await page.locator("body").click({ position: { x: 5, y: 5 } });
    await page.keyboard.press("ArrowRight");
    if ((await week()) !== after + 1) fail("the → key did not step a week");
    await page.keyboard.press("Space");
    await page.waitForTimeout(1200);
    await page.keyboard.press("Space");
    if (!((await week()) > after + 1)) fail("space did not play");

    // Dots on the map at a busy week.
    await page.fill("#week", "60");
    await page.dispatchEvent("#week", "input");
    const dots = await page.$$eval(".panel circle.cell", (cs) =>
      cs.filter((c) => c.style.display !== "none" && c.getBoundingClientRect().width > 0).length);
    if (dots < 1) fail("no cells shown on the maps at week 60");
    console.log(`trace-check: ${dots} cells on the maps at week 60`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 0) fail(`the page is ${overflow} px wider than the window`);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: screenshotPath, fullPage: false });
  },
);

