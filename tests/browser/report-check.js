// Loads a cordon report in headless Chromium (through playwright-core and
// the DevTools protocol) and checks what a reader would notice: it renders
// without console errors or page errors, makes no request besides the page
// itself, shows every chart, and sorts a table on click. Saves a screenshot.
//
// Usage: node report-check.js REPORT.html SCREENSHOT.png [PRINT.pdf]
// (playwright-core must be resolvable, e.g. through NODE_PATH).
"use strict";

const { checkPage, fail } = require("./page.js");

const [reportPath, screenshotPath, pdfPath] = process.argv.slice(2);
if (!reportPath || !screenshotPath) {
  console.error("usage: node report-check.js REPORT.html SCREENSHOT.png [PRINT.pdf]");
  process.exit(2);
}
checkPage(
  {
    name: "report-check",
    file: reportPath,
    viewport: { width: 1280, height: 800 },
    done: `screenshot in ${screenshotPath}`,
  },
  async (page) => {
    await checkCharts(page);
    await checkSorting(page);
    await checkSections(page);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: screenshotPath, fullPage: false });
    await checkPrint(page);
    if (pdfPath) await page.pdf({ path: pdfPath, format: "A4", printBackground: true });
  },
);

// Every chart is an inline <svg> with a non-zero box inside the page width.
async function checkCharts(page) {
  const charts = await page.$$eval("svg.chart", (svgs) =>
    svgs.map((svg) => {
      const r = svg.getBoundingClientRect();
      const style = getComputedStyle(svg);
      return {
        id: svg.closest("figure") ? svg.closest("figure").id : "(no figure)",
        width: r.width,
        height: r.height,
        left: r.left + window.scrollX,
        right: r.right + window.scrollX,
        visible: style.visibility !== "hidden" && style.display !== "none",
        pageWidth: document.documentElement.scrollWidth,
        texts: svg.querySelectorAll("text").length,
      };
    })
  );
  if (charts.length < 4) fail(`expected at least 4 charts, found ${charts.length}`);
  for (const c of charts) {
    if (!c.visible || c.width < 300 || c.height < 200) {
      fail(`chart ${c.id} is not visible (${Math.round(c.width)}×${Math.round(c.height)} px)`);
    }
    if (c.left < 0 || c.right > c.pageWidth + 1) fail(`chart ${c.id} sticks out of the page`);
    if (c.texts === 0) fail(`chart ${c.id} has no text`);
  }
  const ranked = await page.$$eval("#ranking table", (ts) => ts.length > 1);
  for (const id of ["chart-p_attack", "chart-fan_cells_in_alliance"].concat(ranked ? ["chart-forest"] : [])) {
    if (!charts.some((c) => c.id === id)) fail(`chart ${id} is missing`);
  }
  console.log(`report-check: ${charts.length} charts visible`);
}

// Clicking the header of the ranking's attacks column sorts by it, both ways.
async function checkSorting(page) {
  const table = page.locator("#ranking table.sortable").first();
  if ((await table.count()) === 0) {
    console.log("report-check: no ranking table (only the baseline ran); sorting checked on outcomes");
  }
  const target = (await table.count()) ? table : page.locator("table.sortable").first();
  const header = target.locator("thead th").nth(2);
  const button = header.locator("button.sort");
  if ((await button.count()) === 0) {
    fail("the sort script did not turn headers into buttons");
    return;
  }
  const column = async () =>
    target.locator("tbody tr").evaluateAll((rows) =>
      rows.map((r) => r.cells[2].getAttribute("data-sort") || r.cells[2].textContent.trim())
    );
  const asNumbers = (xs) => xs.filter((x) => x !== "").map(Number);
  const sorted = (xs, dir) => xs.every((x, i) => i === 0 || dir * (x - xs[i - 1]) >= 0);
  await button.click();
  const up = asNumbers(await column());
  if ((await header.getAttribute("aria-sort")) !== "ascending" || !sorted(up, 1)) {
    fail(`one click did not sort ascending: ${up.join(", ")}`);
  }
  await button.click();
  const down = asNumbers(await column());
  if ((await header.getAttribute("aria-sort")) !== "descending" || !sorted(down, -1)) {
    fail(`a second click did not sort descending: ${down.join(", ")}`);
  }
  console.log(`report-check: sorting works (${up.length} rows)`);
  await button.click(); // ascending again: fewest attacks first, as written
}

// The sections a reader needs are there, and nothing overflows the page.
async function checkSections(page) {
  const found = await page.$$eval("section.major h2", (hs) => hs.map((h) => h.textContent));
  const first = found.includes("Outcomes") ? "Outcomes" : "Policy ranking"; // Outcomes: baseline only
  for (const h of [first, "Key charts", "By member state", "By border", "Model and assumptions", "Reproducing this result"]) {
    if (!found.includes(h)) fail(`section “${h}” is missing`);
  }
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) fail(`the page is ${overflow} px wider than the window`);
  const wide = await page.$$eval(".table-wrap", (wraps) =>
    wraps
      .filter((w) => w.scrollWidth > w.clientWidth + 1)
      .map((w) => `${w.querySelector("caption").textContent} (${w.scrollWidth} px in ${w.clientWidth})`)
  );
  for (const t of wide) fail(`table does not fit the column: ${t}`);
}

// Printed on A4 (186 mm of text width, about 703 px), tables still fit
// and the contents bar is gone.
async function checkPrint(page) {
  await page.setViewportSize({ width: 703, height: 1000 });
  await page.emulateMedia({ media: "print" });
  const wide = await page.$$eval(".table-wrap", (wraps) =>
    wraps
      .filter((w) => w.scrollWidth > w.clientWidth + 1)
      .map((w) => `${w.querySelector("caption").textContent} (${w.scrollWidth} px in ${w.clientWidth})`)
  );
  for (const t of wide) fail(`printed, a table does not fit the page: ${t}`);
  const toc = await page.$eval("nav.toc", (n) => getComputedStyle(n).display);
  if (toc !== "none") fail("printed, the contents bar is still shown");
  console.log("report-check: print layout fits A4");
}

