// The trace player: draws each variant's map once, then on every week
// moves the cells' dots, marks that week's events and updates the
// counters. Data come from the inert JSON block #trace-data.
"use strict";
(function () {
  const NS = "http://www.w3.org/2000/svg";
  const data = JSON.parse(document.getElementById("trace-data").textContent);
  const kinds = data.kinds;
  const kind = (name) => kinds.indexOf(name);
  const ROLE = { member: "#0072b2", partner: "#009e73", other: "#aaaaaa" };
  const COUNTERS = [
    ["new cells", ["spawned"]],
    ["attempts", ["attempted"]],
    ["detections", ["detected"]],
    ["border interdictions", ["interdicted_at_border"]],
    ["entries", ["entered", "entered_indirect"]],
    ["established", ["established"]],
    ["interior interdictions", ["interdicted_inside"]],
    ["attacks", ["attacked"]],
    ["abandoned", ["abandoned"]],
    ["dissolved", ["dissolved"]],
  ];
  const first = -data.warmup;
  const last = data.weeks - 1;
  let week = 0;
  let timer = null;

  function el(name, attrs, parent) {
    const e = document.createElementNS(NS, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }

  // A spot near the region's centre for the n-th cell there.
  function spot(region, n) {
    const r = data.regions[region];
    if (n === 0) return [r.x, r.y - 14];
    const ring = Math.floor(Math.sqrt(n));
    const angle = n * 2.39996;
    const d = 14 + ring * 7;
    return [r.x + d * Math.cos(angle), r.y + d * Math.sin(angle)];
  }

  function buildPanel(v, i) {
    const panel = document.createElement("section");
    panel.className = "panel";
    panel.setAttribute("aria-label", "Map under " + v.name);
    const h = document.createElement("h2");
    h.textContent = v.name;
    panel.appendChild(h);
    const svg = el("svg", { viewBox: `0 0 ${data.width} ${data.height}`, role: "img", "aria-label": "Map of the regions with the cells of " + v.name });
    for (const b of data.borders) {
      const a = data.regions[b.a], z = data.regions[b.b];
      el("line", { x1: a.x, y1: a.y, x2: z.x, y2: z.y, stroke: b.segment ? "#555" : "#999", "stroke-width": b.segment ? 3 : 1.5, "stroke-dasharray": b.segment ? "" : "6 4" }, svg);
    }
    for (const r of data.regions) {
      el("circle", { cx: r.x, cy: r.y, r: 9, fill: r.source ? "#d55e00" : ROLE[r.role] || ROLE.other, stroke: "#222", "stroke-width": 1 }, svg);
      const t = el("text", { x: r.x + 12, y: r.y + 18, class: "region-label" }, svg);
      t.textContent = r.name;
    }
    const marks = el("g", { "aria-hidden": "true" }, svg);
    const dots = el("g", {}, svg);
    const cells = v.cells.map((c) => {
      const dot = el("circle", { r: 5.5, cx: 0, cy: 0, class: "cell", stroke: "#222", "stroke-width": 1 }, dots);
      const t = el("title", {}, dot);
      t.textContent = c.id;
      dot.style.display = "none";
      return dot;
    });
    panel.appendChild(svg);
    const dl = document.createElement("dl");
    dl.className = "counters";
    const values = {};
    for (const [label] of COUNTERS.concat([["severity"], ["alive now"], ["diverged"]])) {
      const d = document.createElement("div");
      const dt = document.createElement("dt");
      dt.textContent = label;
      const dd = document.createElement("dd");
      dd.textContent = "0";
      d.appendChild(dt);
      d.appendChild(dd);
      dl.appendChild(d);
      values[label] = dd;
    }
    panel.appendChild(dl);
    document.getElementById("panels").appendChild(panel);
    return { v, marks, cells, values, index: i };
  }

  // Where each cell is at the end of run week w, or null.
  function placeOf(c, w) {
    if (w < c.spawn || (c.end !== null && c.end <= w)) return null;
    let region = c.path[0][1];
    for (const [at, r] of c.path) if (at <= w) region = r;
    return region;
  }

  function drawPanel(p, w) {
    const crowd = {};
    p.v.cells.forEach((c, i) => {
      const dot = p.cells[i];
      const region = placeOf(c, w);
      if (region === null) {
        dot.style.display = "none";
        return;
      }
      const n = (crowd[region] = (crowd[region] || 0) + 1) - 1;
      const [x, y] = spot(region, n);
      dot.style.display = "";
      dot.style.transform = `translate(${x}px, ${y}px)`;
      const established = c.established !== null && c.established <= w;
      dot.setAttribute("fill", established ? "#b2182b" : "#e69f00");
      const diverged = c.diverges !== null && c.diverges <= w;
      dot.setAttribute("stroke", diverged ? "#cc00cc" : "#222");
      dot.setAttribute("stroke-width", diverged ? 3 : 1);
    });
    while (p.marks.firstChild) p.marks.removeChild(p.marks.firstChild);
    const counts = {};
    let severity = 0;
    const recorded = data.warmup;
    for (const e of p.v.events) {
      const [at, , k, region, to, sev] = e;
      if (at >= recorded && at <= w) {
        counts[kinds[k]] = (counts[kinds[k]] || 0) + 1;
        if (kinds[k] === "attacked") severity += sev;
      }
      if (at !== w) continue;
      mark(p.marks, kinds[k], region, to, sev);
    }
    for (const [label, names] of COUNTERS) {
      p.values[label].textContent = names.reduce((s, n) => s + (counts[n] || 0), 0);
    }
    p.values["severity"].textContent = severity;
    p.values["alive now"].textContent = p.v.cells.filter((c) => placeOf(c, w) !== null).length;
    p.values["diverged"].textContent = p.v.cells.filter((c) => c.diverges !== null && c.diverges <= w).length;
  }

  function mark(g, name, region, to, sev) {
    const a = data.regions[region];
    const mid = to >= 0 ? [(a.x + data.regions[to].x) / 2, (a.y + data.regions[to].y) / 2] : [a.x, a.y];
    if (name === "detected") {
      el("circle", { cx: mid[0], cy: mid[1], r: 13, fill: "none", stroke: "#f0a800", "stroke-width": 4 }, g);
    } else if (name === "interdicted_at_border" || name === "interdicted_inside") {
      const [x, y] = name === "interdicted_inside" ? [a.x, a.y] : mid;
      el("rect", { x: x - 8, y: y - 8, width: 16, height: 16, fill: "#0072b2", stroke: "#fff", "stroke-width": 1.5 }, g);
    } else if (name === "attacked") {
      const s = 10 + Math.min(12, Math.log2(1 + sev) * 2);
      el("rect", { x: a.x - s / 2, y: a.y - s / 2, width: s, height: s, fill: "#dd0000", stroke: "#fff", "stroke-width": 1.5, transform: `rotate(45 ${a.x} ${a.y})` }, g);
    }
  }

  const panels = data.variants.map(buildPanel);
  const slider = document.getElementById("week");
  const label = document.getElementById("week-label");
  const play = document.getElementById("play");
  slider.min = first;
  slider.max = last;
  slider.value = 0;

  function show(w) {
    week = Math.max(first, Math.min(last, w));
    slider.value = week;
    label.textContent = week < 0 ? `warm-up week ${week}` : `week ${week} of ${data.weeks}`;
    for (const p of panels) drawPanel(p, week + data.warmup);
  }

  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    play.textContent = "▶ Play";
    play.setAttribute("aria-pressed", "false");
    play.setAttribute("aria-label", "Play");
  }

  function start() {
    if (week >= last) show(0);
    const delay = Number(document.getElementById("speed").value);
    timer = setInterval(() => {
      if (week >= last) stop();
      else show(week + 1);
    }, delay);
    play.textContent = "❚❚ Pause";
    play.setAttribute("aria-pressed", "true");
    play.setAttribute("aria-label", "Pause");
  }

  play.addEventListener("click", () => (timer === null ? start() : stop()));
  document.getElementById("step").addEventListener("click", () => { stop(); show(week + 1); });
  document.getElementById("back").addEventListener("click", () => { stop(); show(week - 1); });
  slider.addEventListener("input", () => { stop(); show(Number(slider.value)); });
  document.getElementById("speed").addEventListener("change", () => { if (timer !== null) { stop(); start(); } });
  document.addEventListener("keydown", (e) => {
    const tag = e.target.tagName;
    if (tag === "INPUT" || tag === "SELECT") return;
    if (e.key === " " && tag !== "BUTTON") { e.preventDefault(); timer === null ? start() : stop(); }
    else if (e.key === "ArrowRight") { stop(); show(week + 1); }
    else if (e.key === "ArrowLeft") { stop(); show(week - 1); }
    else if (e.key === "Home") { stop(); show(first); }
    else if (e.key === "End") { stop(); show(last); }
  });
  show(0);
})();
