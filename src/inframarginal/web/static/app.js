// The explorer's page: sliders -> JSON API -> SVG and canvas views. Plain JavaScript, no build step.
"use strict";

const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948",
                 "#b07aa1", "#ff9da7", "#9c755f", "#86bcb6", "#d37295", "#a0cbe8"];
const GOOD_COLOURS = ["#1f5f99", "#c0392b", "#2e8b57", "#8e44ad", "#d35400", "#16a085"];
const SVG_NS = "http://www.w3.org/2000/svg";

const state = {
  models: [], modelKey: null, model: null, values: {}, solution: null,
  phase: null, path: null, beach: { positions: [0.15, 0.85], shares: null, circle: false, anim: null },
  deps: null,          // parameters the structures' incomes depend on (from the server's answers)
  invalid: {},         // parameter -> why the value typed is not used
  solveError: null,    // the server's reason for refusing the current values
  printedOn: false, printed: null, report: null,
};

// ---------------------------------------------------------------- helpers
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  if (text !== undefined) node.textContent = text;
  return node;
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function fmt(v, digits = 4) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-4) return v.toExponential(digits - 1);
  return String(Number(v.toPrecision(digits)));
}

function structureIndex(name) {
  const names = state.model ? state.model.structures.map((s) => s.name) : [];
  const i = names.indexOf(name);
  return i < 0 ? names.length : i;
}
// One colour per structure everywhere: the server sends inframarginal.phase.structure_colour's.
function structureColour(name) {
  const s = state.model ? state.model.structures.find((x) => x.name === name) : null;
  return s && s.colour ? s.colour : PALETTE[structureIndex(name) % PALETTE.length];
}

// Math as math: KaTeX (served from /static/katex), its DOM built without inline HTML.
function tex(node, latex, display = false) {
  if (window.katex) {
    try { window.katex.render(latex, node, { throwOnError: false, displayMode: display }); return node; }
    catch (_) { /* falls through to the source text */ }
  }
  node.textContent = latex;
  return node;
}
function goodColour(good) {
  const goods = state.model ? state.model.goods.map((g) => g.name) : [];
  return GOOD_COLOURS[Math.max(0, goods.indexOf(good)) % GOOD_COLOURS.length];
}

let pending = 0, pendingViews = 0;
function busy(delta, path) {
  pending += delta;
  // the switch points' formulas come after the views they annotate: not counted in data-views-busy
  if (path !== "/api/path/formulas") pendingViews += delta;
  $("busy").textContent = pending > 0 ? "computing…" : "";
  document.body.dataset.busy = pending > 0 ? "1" : "0";
  document.body.dataset.viewsBusy = pendingViews > 0 ? "1" : "0";
}

async function api(path, body, signal) {
  busy(1, path);
  try {
    const init = body === undefined ? {} : {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
    };
    if (signal) init.signal = signal;
    const response = await fetch(path, init);
    let data = null;
    try { data = await response.json(); } catch (_) { data = null; }
    if (!response.ok) {
      const message = data && data.error ? data.error : `the server answered ${response.status}`;
      const err = new Error(message);
      err.status = response.status;
      throw err;
    }
    return data;
  } finally {
    busy(-1, path);
  }
}

// Answers already received, by request: a slider that comes back, a pair of axes or a path seen
// before is drawn at once, without a request.
const answers = new Map();
async function cachedApi(path, body, signal) {
  const key = path + "\n" + JSON.stringify(body);
  if (answers.has(key)) {
    const data = answers.get(key);
    answers.delete(key); answers.set(key, data);
    return data;
  }
  const data = await api(path, body, signal);
  answers.set(key, data);
  while (answers.size > 80) answers.delete(answers.keys().next().value);   // a phase answer may be 0.5 MB
  return data;
}

// One request of a kind in flight at a time; a trigger while it runs asks for one more run
// with the newest state, so that a fast slider never queues stale requests.
function channel(run) {
  let running = false, again = false;
  return async function trigger() {
    if (running) { again = true; return; }
    running = true;
    try {
      do { again = false; await run(); } while (again);
    } finally { running = false; }
  };
}

let errorSource = null;
function showError(message, source = "page") {
  if (!message && errorSource !== source) return;   // clear only one's own message
  errorSource = message ? source : null;
  const box = $("error");
  box.textContent = message;
  box.classList.toggle("hidden", !message);
}

// ---------------------------------------------------------------- URL
function readURL() {
  const q = new URLSearchParams(window.location.search);
  const out = { model: q.get("model"), values: {}, px: q.get("px"), py: q.get("py"), path: q.get("path") };
  for (const [k, v] of q.entries()) {
    if (["model", "px", "py", "path"].includes(k)) continue;
    const x = Number(v);
    if (v.trim() !== "" && Number.isFinite(x)) out.values[k] = x;
  }
  return out;
}

function writeURL() {
  const q = new URLSearchParams();
  q.set("model", state.modelKey);
  for (const p of state.model.parameters) q.set(p.name, String(state.values[p.name]));
  q.set("px", $("phase-x").value);
  q.set("py", $("phase-y").value);
  q.set("path", $("path-param").value);
  history.replaceState(null, "", "?" + q.toString());
}

// ---------------------------------------------------------------- model and controls
async function loadModels(selectKey) {
  const listing = await api("/api/models");
  state.models = listing.models;
  const select = $("model-select");
  select.replaceChildren();
  for (const m of listing.models) {
    const label = m.source === "upload" ? `${m.name} (uploaded)` : m.name;
    select.append(el("option", { value: m.key, title: m.title }, label));
  }
  if (listing.typed && listing.typed.length) {  // models with types open their own page (types.js)
    const group = el("optgroup", { label: "with types" });
    group.append(...listing.typed.map((m) => el("option", { value: "types:" + m.key, title: m.title }, m.key + " (types)")));
    select.append(group);
  }
  select.value = selectKey || listing.default;
  state.report = listing.report || null;
  return listing.default;
}

async function loadModel(key, urlState = {}) {
  const model = await api("/api/model?model=" + encodeURIComponent(key));
  state.modelKey = key;
  state.model = model;
  state.phase = null;
  state.path = null;
  state.deps = null;
  state.invalid = {};
  state.solveError = null;
  state.printed = null;
  delete $("printed-formulas").dataset.model;
  clearTimeout(formulasTimer);                       // the last model's formulas are not needed now
  if (formulasAbort) { formulasAbort.abort(); formulasAbort = null; }
  $("model-select").value = key;
  $("model-title").textContent = model.title || model.name;
  $("model-description").textContent = model.description || "";
  const given = urlState.values || {};
  state.values = {};
  for (const p of model.parameters) {
    state.values[p.name] = p.name in given ? given[p.name] : p.default;
  }
  buildSliders();
  fillParamSelect($("phase-x"), urlState.px, 0);
  fillParamSelect($("phase-y"), urlState.py, 1);
  fillParamSelect($("path-param"), urlState.path, 0);
  buildLegend();
  setupPrinted();
  updateStale();
  writeURL();
  phaseChannel();
  pathChannel();
  printedChannel();
  await solveChannel();
}

function fillParamSelect(select, wanted, fallbackIndex) {
  const names = state.model.parameters.map((p) => p.name);
  select.replaceChildren(...names.map((n) => el("option", { value: n }, n)));
  select.value = names.includes(wanted) ? wanted : names[Math.min(fallbackIndex, names.length - 1)];
}

function buildSliders() {
  const box = $("sliders");
  box.replaceChildren();
  for (const p of state.model.parameters) {
    const wrap = el("div", { class: "param", "data-param": p.name });
    const top = el("div", { class: "param-top" });
    top.append(el("label", { class: "param-name", for: `slider-${p.name}` }, p.name));
    const number = el("input", { type: "number", id: `value-${p.name}`, step: "any",
                                 "aria-label": `${p.name} value` });
    top.append(number);
    const slider = el("input", { type: "range", id: `slider-${p.name}`, min: p.slider.min,
                                 max: p.slider.max, step: p.slider.step, "aria-label": p.name });
    const desc = el("div", { class: "param-desc" }, p.description || "");
    const domain = el("div", { class: "param-domain" });
    domain.append(el("span", {}, `domain ${p.domain}`), el("span", {}, `default ${fmt(p.default, 6)}`));
    wrap.append(top, slider, desc, domain);
    box.append(wrap);
    setControl(p.name, state.values[p.name]);
    slider.addEventListener("input", () => onValue(p.name, Number(slider.value), "slider"));
    number.addEventListener("change", () => {
      const v = Number(number.value);
      const why = invalidReason(p, number.value, v);
      if (why) {
        number.classList.add("invalid");
        state.invalid[p.name] = why;
        updateStale();
        return;
      }
      onValue(p.name, v, "number");
    });
  }
}

function parseDomain(text) {
  const m = /^\s*([([])\s*([^,]+?)\s*,\s*([^\])]+?)\s*([)\]])\s*$/.exec(text || "");
  if (!m) return null;
  const num = (t) => (t === "inf" ? Infinity : t === "-inf" ? -Infinity : Number(t));
  return { lo: num(m[2]), hi: num(m[3]), loClosed: m[1] === "[", hiClosed: m[4] === "]" };
}

// Why a typed value cannot be used (null when it can): the page checks what it can before asking.
function invalidReason(p, text, v) {
  if (text.trim() === "") return `${p.name}: no number given (expected a value in ${p.domain})`;
  if (!Number.isFinite(v)) return `${p.name}: "${text}" is not a number`;
  const d = parseDomain(p.domain);
  if (d && (v < d.lo || v > d.hi || (v === d.lo && !d.loClosed) || (v === d.hi && !d.hiClosed))) {
    return `${p.name} = ${text} is outside its domain ${p.domain}`;
  }
  return null;
}

// Invalid input greys out the results, which stay those of the last valid values, and says why.
function updateStale() {
  const reasons = [...Object.values(state.invalid), ...(state.solveError ? [state.solveError] : [])];
  document.body.classList.toggle("stale", reasons.length > 0);
  const box = $("stale");
  box.classList.toggle("hidden", reasons.length === 0);
  box.textContent = reasons.length === 0 ? "" :
    `${reasons.join("; ")}. The results below (greyed out) are for the last valid values; ` +
    "correct the value to update them.";
}

function setControl(name, value, from) {
  const slider = $(`slider-${name}`), number = $(`value-${name}`);
  if (from !== "slider") slider.value = String(value);
  if (from !== "number") number.value = String(Number(value.toPrecision(12)));
  number.classList.remove("invalid");
}

function onValue(name, value, from) {
  state.values[name] = value;
  delete state.invalid[name];
  setControl(name, value, from);
  updateStale();
  writeURL();
  solveChannel();
  // a parameter no structure's income depends on moves neither the diagram nor the path
  const relevant = !state.deps || state.deps.includes(name);
  if (name === $("phase-x").value || name === $("phase-y").value) drawPhaseMarker();
  else if (relevant) phaseChannel();
  if (name === $("path-param").value) { drawPath(); drawCurves(); }
  else if (relevant) pathChannel();
  if (state.printedOn) printedChannel();
}

function resetValues() {
  for (const p of state.model.parameters) {
    state.values[p.name] = p.default;
    setControl(p.name, p.default);
  }
  state.invalid = {};
  updateStale();
  writeURL();
  solveChannel();
  phaseChannel();
  pathChannel();
  printedChannel();
}

function buildLegend() {
  const box = $("phase-legend");
  box.replaceChildren();
  for (const s of state.model.structures) {
    const item = el("span", { title: `${s.description} — ${s.configurations.join(" ")}` });
    const sw = el("span", { class: "swatch" });
    sw.style.background = structureColour(s.name);
    item.append(sw, document.createTextNode(s.name));
    box.append(item);
  }
  const none = el("span", { title: "no corner equilibrium exists" });
  const sw = el("span", { class: "swatch" });
  sw.style.background = "#cfd4da";
  none.append(sw, document.createTextNode("none"));
  box.append(none);
}

// ---------------------------------------------------------------- solve: network and bars
const solveChannel = channel(async () => {
  const key = state.modelKey;
  const values = { ...state.values };
  try {
    const solution = await cachedApi("/api/solve", { model: key, values });
    if (key !== state.modelKey) return;
    state.solution = solution;
    state.solveError = null;
    updateStale();
    showError("", "solve");
    drawSolution();
  } catch (err) {
    if (err.status === 400 || err.status === 422) {   // the values are refused: say why, grey out
      state.solveError = err.message;
      updateStale();
    } else {
      showError(err.message, "solve");
    }
    for (const name of Object.keys(values)) {
      if (err.message.includes(`parameter ${name}=`)) $(`value-${name}`).classList.add("invalid");
    }
  }
});

function drawSolution() {
  const sol = state.solution;
  const ge = sol.general_equilibrium;
  const described = Object.fromEntries(state.model.structures.map((s) => [s.name, s.description]));
  $("ge-name").textContent = ge === null ? "none exists" : ge;
  $("ge-name").dataset.structure = ge === null ? "" : ge;
  $("ge-description").textContent = ge === null ? "" : (described[ge] || "");
  const box = $("derived");
  box.replaceChildren();
  for (const d of state.model.derived) {   // typeset as the paper writes them: k = (1 - t) K
    const item = el("div", { title: d.description || "" });
    if (d.latex) item.append(tex(el("span"), d.latex)); else item.append(document.createTextNode(`${d.name} = ${d.formula}`));
    item.append(document.createTextNode(` = ${fmt(sol.parameters[d.name], 6)}`));
    box.append(item);
  }
  drawNetwork(sol);
  drawFacts(sol);
  drawBars(sol);
  if (state.printedOn && state.printed) printedNumbers();   // the derived values beside the printed ones
  const d = sol.deviation;
  $("deviation").textContent = d === null ? "" :
    `Total cost-benefit check at the equilibrium prices: ${d.passed ? "passed" : "FAILED"} ` +
    `(${d.checked} configurations checked; best alternative ${d.best_configuration}, gain ${fmt(d.gain, 3)}).`;
  // Certified against all structures of the model (the listed GE is kept in listed_general_equilibrium).
  $("certification").textContent = sol.certification ? `Over all structures: ${sol.certification.summary}.` : "";
}

function nodeLayout(n, w, h) {
  const cx = w / 2, cy = h / 2;
  if (n === 1) return [[cx, cy]];
  if (n === 2) return [[w * 0.22, cy], [w * 0.78, cy]];
  const r = Math.min(w * 0.36, h * 0.36);
  return Array.from({ length: n }, (_, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
    return [cx + r * Math.cos(a) * 1.25, cy + 12 + r * Math.sin(a)];
  });
}

function drawNetwork(sol) {
  const box = $("network");
  box.replaceChildren();
  const W = 560, H = 300;
  const defs = svg("defs");
  box.append(defs);
  const net = sol.network;
  if (!net) {
    box.append(svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "node-share" },
                   "no corner equilibrium exists at this point"));
    return;
  }
  const nodes = net.nodes;
  const pos = nodeLayout(nodes.length, W, H);
  const radius = nodes.map((nd) => 22 + 38 * Math.sqrt(Math.max(0, nd.share || 0)));
  const index = Object.fromEntries(nodes.map((nd, i) => [nd.id, i]));
  const goods = [...new Set(net.edges.map((e) => e.good))];
  for (const g of goods) {
    const marker = svg("marker", { id: `arrow-${g}`, viewBox: "0 0 10 10", refX: "9", refY: "5",
                                   markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" });
    marker.append(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: goodColour(g) }));
    defs.append(marker);
  }
  const edgeLayer = svg("g"), labelLayer = svg("g"), nodeLayer = svg("g");
  box.append(edgeLayer, nodeLayer, labelLayer);
  for (const e of net.edges) {
    const a = index[e.from], b = index[e.to];
    const [x1, y1] = pos[a], [x2, y2] = pos[b];
    const dx = x2 - x1, dy = y2 - y1, len = Math.hypot(dx, dy) || 1;
    const ux = dx / len, uy = dy / len, nx = -uy, ny = ux;   // bend to the left of the direction
    const bend = 34;
    const mx = (x1 + x2) / 2 + nx * bend, my = (y1 + y2) / 2 + ny * bend;
    const start = towards(x1, y1, mx, my, radius[a] + 2);
    const end = towards(x2, y2, mx, my, radius[b] + 6);
    edgeLayer.append(svg("path", {
      d: `M ${start[0]} ${start[1]} Q ${mx} ${my} ${end[0]} ${end[1]}`, fill: "none",
      stroke: goodColour(e.good), "stroke-width": "2.2", "marker-end": `url(#arrow-${e.good})`,
    }));
    const lx = 0.25 * start[0] + 0.5 * mx + 0.25 * end[0];
    const ly = 0.25 * start[1] + 0.5 * my + 0.25 * end[1];
    const label = svg("text", { x: lx, y: ly + 4, "text-anchor": "middle", class: "edge-label" });
    label.textContent = `${e.good}: p = ${fmt(e.price)}`;
    label.setAttribute("fill", goodColour(e.good));
    const plate = svg("rect", { rx: 3, fill: "#fff", "fill-opacity": "0.92" });
    labelLayer.append(plate, label);
    const bb = label.getBBox();
    plate.setAttribute("x", bb.x - 3); plate.setAttribute("y", bb.y - 1);
    plate.setAttribute("width", bb.width + 6); plate.setAttribute("height", bb.height + 2);
  }
  nodes.forEach((nd, i) => {
    const [x, y] = pos[i];
    const colour = nd.sells ? goodColour(nd.sells) : "#7a8794";
    nodeLayer.append(svg("circle", { cx: x, cy: y, r: radius[i], fill: colour, "fill-opacity": "0.14",
                                     stroke: colour, "stroke-width": "2" }));
    nodeLayer.append(svg("text", { x, y: y - 2, "text-anchor": "middle", class: "node-label" }, nd.id.split("[")[0]));
    const role = nd.sells ? `sells ${nd.sells}` : "autarky";
    nodeLayer.append(svg("text", { x, y: y + 14, "text-anchor": "middle", class: "node-share" },
                         `${role} · ${fmt(100 * nd.share, 3)}%`));
  });
}

function towards(x, y, tx, ty, d) {
  const dx = tx - x, dy = ty - y, len = Math.hypot(dx, dy) || 1;
  return [x + (dx / len) * d, y + (dy / len) * d];
}

function drawFacts(sol) {
  const box = $("network-facts");
  box.replaceChildren();
  const ge = sol.general_equilibrium;
  if (ge === null) return;
  const ce = sol.structures.find((s) => s.name === ge);
  const t1 = el("table");
  t1.append(row(["configuration", "share of people"], "th"));
  for (const c of ce.configurations) t1.append(row([c, fmt(ce.numbers[c], 6)], "td", [false, true]));
  box.append(t1);
  const prices = Object.entries(ce.prices);
  if (prices.length) {
    const t2 = el("table");
    t2.append(row([`price (numeraire ${ce.numeraire})`, ""], "th"));
    for (const [g, p] of prices) t2.append(row([`p_${g}`, fmt(p, 6)], "td", [false, true]));
    for (const [k, v] of Object.entries(ce.relative_numbers)) t2.append(row([k, fmt(v, 6)], "td", [false, true]));
    box.append(t2);
  }
  box.append(el("div", {}, `per-capita real income ${fmt(ce.per_capita_real_income, 8)}`));
}

function row(cells, tag, numeric = []) {
  const tr = el("tr");
  cells.forEach((c, i) => tr.append(el(tag, numeric[i] ? { class: "num" } : {}, c)));
  return tr;
}

function printedNote(name) {
  if (!state.printedOn || !state.printed || !(name in state.printed.at_point)) return "";
  return `   (printed formula: ${fmt(state.printed.at_point[name], 6)})`;
}

function drawBars(sol) {
  const box = $("bars");
  box.replaceChildren();
  const existing = sol.structures.filter((s) => s.exists && s.per_capita_real_income !== null);
  const top = Math.max(...existing.map((s) => s.per_capita_real_income), 1e-300);
  for (const s of sol.structures) {
    const ge = s.name === sol.general_equilibrium;
    const rowEl = el("div", { class: "bar-row" + (ge ? " ge" : "") + (s.exists ? "" : " absent"),
                              "data-structure": s.name,
                              title: `${s.description}: ${s.configurations.join(" ")}` });
    rowEl.append(el("span", { class: "bar-name" }, s.name));
    const track = el("div", { class: "bar-track" });
    if (s.exists && s.per_capita_real_income !== null) {
      const fill = el("div", { class: "bar-fill" });
      fill.style.width = `${Math.max(0.5, (100 * s.per_capita_real_income) / top)}%`;
      fill.style.background = structureColour(s.name);
      track.append(fill, el("span", { class: "bar-value" },
        `${fmt(s.per_capita_real_income, 6)}${ge ? "  ★ general equilibrium" : ""}${printedNote(s.name)}`));
    } else {
      const why = el("span", { class: "bar-value reason" }, `does not exist: ${s.reason}${printedNote(s.name)}`);
      if (s.reason_details && s.reason_details !== s.reason) {
        const more = el("details");
        more.append(el("summary", {}, "details"), el("div", { class: "small" }, s.reason_details));
        why.append(more);
      }
      track.append(why);
    }
    rowEl.append(track);
    box.append(rowEl);
  }
}

// ---------------------------------------------------------------- phase diagram
const PHASE = { left: 62, right: 12, top: 10, bottom: 38, w: 460, h: 400 };

function sliderOf(name) { return state.model.parameters.find((p) => p.name === name).slider; }

const phaseChannel = channel(async () => {
  const px = $("phase-x").value, py = $("phase-y").value;
  if (px === py) {
    state.phase = null;
    clearPhase("choose two different parameters");
    return;
  }
  const n = Number($("phase-n").value);
  const sx = sliderOf(px), sy = sliderOf(py);
  const body = { model: state.modelKey, values: { ...state.values },
                 x: { name: px, lo: sx.min, hi: sx.max, n }, y: { name: py, lo: sy.min, hi: sy.max, n } };
  if (!state.phase || state.phase.x.name !== px || state.phase.y.name !== py) {
    clearPhase(`computing the ${px}–${py} diagram (a new pair of parameters takes a few seconds)…`);
  }
  try {
    const data = await cachedApi("/api/phase", body);
    if (body.model !== state.modelKey) return;
    if (data.depends_on) state.deps = data.depends_on;
    state.phase = data;
    drawPhase();
    $("phase-info").textContent = "Click in the diagram to move there.";
  } catch (err) {
    state.phase = null;
    clearPhase(err.message);
  }
});

function clearPhase(message) {
  const ctx = $("phase").getContext("2d");
  ctx.clearRect(0, 0, PHASE.w, PHASE.h);
  $("phase-marker").getContext("2d").clearRect(0, 0, PHASE.w, PHASE.h);
  $("phase-info").textContent = message;
}

function plotBox() {
  return { x0: PHASE.left, y0: PHASE.top, w: PHASE.w - PHASE.left - PHASE.right, h: PHASE.h - PHASE.top - PHASE.bottom };
}

function hexToRgb(hex) {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

function drawPhase() {
  paintPhase($("phase"), state.phase);
  drawPhaseMarker();
}

function paintPhase(canvas, data) {
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, PHASE.w, PHASE.h);
  const nx = data.x.values.length, ny = data.y.values.length;
  const colours = data.structures.map((s) => hexToRgb(structureColour(s)));
  const off = document.createElement("canvas");
  off.width = nx; off.height = ny;
  const octx = off.getContext("2d");
  const img = octx.createImageData(nx, ny);
  for (let j = 0; j < ny; j++) {
    const rowCodes = data.codes[j], r = ny - 1 - j;     // y grows upwards
    for (let i = 0; i < nx; i++) {
      const c = rowCodes[i], k = 4 * (r * nx + i);
      const rgb = c >= 0 ? colours[c] : [207, 212, 218];
      img.data[k] = rgb[0]; img.data[k + 1] = rgb[1]; img.data[k + 2] = rgb[2]; img.data[k + 3] = 255;
    }
  }
  octx.putImageData(img, 0, 0);
  const b = plotBox();
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(off, b.x0, b.y0, b.w, b.h);
  // region labels at each structure's centre of mass
  ctx.font = "600 13px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  const sums = data.structures.map(() => [0, 0, 0]);
  for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
    const c = data.codes[j][i];
    if (c >= 0) { sums[c][0] += i; sums[c][1] += j; sums[c][2] += 1; }
  }
  sums.forEach(([si, sj, count], c) => {
    if (count < 0.004 * nx * ny) return;
    const x = b.x0 + ((si / count + 0.5) / nx) * b.w, y = b.y0 + b.h - ((sj / count + 0.5) / ny) * b.h;
    ctx.lineWidth = 3; ctx.strokeStyle = "rgba(255,255,255,.85)";
    ctx.strokeText(data.structures[c], x, y);
    ctx.fillStyle = "#1d2430";
    ctx.fillText(data.structures[c], x, y);
  });
  // axes
  ctx.strokeStyle = "#5f6b7a"; ctx.lineWidth = 1;
  ctx.strokeRect(b.x0 + 0.5, b.y0 + 0.5, b.w - 1, b.h - 1);
  ctx.fillStyle = "#5f6b7a"; ctx.font = "11px system-ui, sans-serif";
  const xs = data.x.values, ys = data.y.values;
  for (let t = 0; t <= 4; t++) {
    const fx = t / 4;
    const vx = xs[0] + fx * (xs[nx - 1] - xs[0]), vy = ys[0] + fx * (ys[ny - 1] - ys[0]);
    const X = b.x0 + fx * b.w, Y = b.y0 + b.h - fx * b.h;
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    ctx.fillText(fmt(vx, 3), X, b.y0 + b.h + 4);
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    ctx.fillText(fmt(vy, 3), b.x0 - 5, Y);
  }
  ctx.font = "italic 600 13px 'DejaVu Serif', Georgia, serif"; ctx.fillStyle = "#1d2430";
  ctx.textAlign = "center"; ctx.textBaseline = "bottom";
  ctx.fillText(data.x.name, b.x0 + b.w / 2, PHASE.h - 2);
  ctx.save(); ctx.translate(10, b.y0 + b.h / 2); ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = "middle"; ctx.fillText(data.y.name, 0, 0); ctx.restore();
}

function phaseToPixel(vx, vy) {
  const data = state.phase, b = plotBox();
  const xs = data.x.values, ys = data.y.values;
  const fx = (vx - xs[0]) / (xs[xs.length - 1] - xs[0]), fy = (vy - ys[0]) / (ys[ys.length - 1] - ys[0]);
  return [b.x0 + fx * b.w, b.y0 + b.h - fy * b.h];
}

function drawPhaseMarker() {
  const ctx = $("phase-marker").getContext("2d");
  ctx.clearRect(0, 0, PHASE.w, PHASE.h);
  const data = state.phase;
  if (!data || data.x.name !== $("phase-x").value || data.y.name !== $("phase-y").value) return;
  const [X, Y] = phaseToPixel(state.values[data.x.name], state.values[data.y.name]);
  ctx.lineWidth = 3; ctx.strokeStyle = "#fff";
  ctx.beginPath(); ctx.arc(X, Y, 7, 0, 2 * Math.PI); ctx.stroke();
  ctx.lineWidth = 2; ctx.strokeStyle = "#111";
  ctx.beginPath(); ctx.arc(X, Y, 7, 0, 2 * Math.PI); ctx.stroke();
  ctx.beginPath(); ctx.moveTo(X - 11, Y); ctx.lineTo(X - 4, Y); ctx.moveTo(X + 4, Y); ctx.lineTo(X + 11, Y);
  ctx.moveTo(X, Y - 11); ctx.lineTo(X, Y - 4); ctx.moveTo(X, Y + 4); ctx.lineTo(X, Y + 11); ctx.stroke();
}

function phaseAt(event) {
  const data = state.phase;
  if (!data) return null;
  const canvas = $("phase-marker"), rect = canvas.getBoundingClientRect();
  const px = ((event.clientX - rect.left) * PHASE.w) / rect.width;
  const py = ((event.clientY - rect.top) * PHASE.h) / rect.height;
  const b = plotBox();
  const fx = (px - b.x0) / b.w, fy = (b.y0 + b.h - py) / b.h;
  if (fx < 0 || fx > 1 || fy < 0 || fy > 1) return null;
  const xs = data.x.values, ys = data.y.values;
  const i = Math.min(xs.length - 1, Math.floor(fx * xs.length)), j = Math.min(ys.length - 1, Math.floor(fy * ys.length));
  const c = data.codes[j][i];
  return { x: xs[i], y: ys[j], structure: c >= 0 ? data.structures[c] : "none" };
}

// ---------------------------------------------------------------- path along one parameter
const pathChannel = channel(async () => {
  const name = $("path-param").value;
  const s = sliderOf(name);
  const body = { model: state.modelKey, name, lo: s.min, hi: s.max, values: { ...state.values } };
  if (!state.path || state.path.name !== name) {
    $("path").replaceChildren();
    $("switches").replaceChildren(el("li", { class: "muted" }, `computing the path along ${name}…`));
  }
  try {
    const data = await cachedApi("/api/path", body);
    if (body.model !== state.modelKey) return;
    if (data.depends_on) state.deps = data.depends_on;
    state.path = { name, lo: s.min, hi: s.max, data, formulas: null, values: body.values };
    drawPath();
    drawCurves();
    loadFormulas(state.path);
  } catch (err) {
    state.path = null;
    $("path").replaceChildren();
    $("curves").replaceChildren();
    $("switches").replaceChildren(el("li", {}, err.message));
  }
});

// The switch points' closed forms: solved by SymPy once per model, parameter and pair of
// structures (seconds the first time, then kept), so they come after the path -- once the path
// has stayed for a moment (not at every step of a slider's drag), and a request for a path no
// longer shown is abandoned, so that it never holds one of the browser's connections.
let formulasTimer = null, formulasAbort = null;
function loadFormulas(path) {
  clearTimeout(formulasTimer);
  if (formulasAbort) { formulasAbort.abort(); formulasAbort = null; }
  const income = (path.data.switches || []).filter((sw) => sw.kind === "income" && sw.before && sw.after);
  if (!income.length) return;
  const body = { model: state.modelKey, name: path.name, values: path.values,
                 switches: income.map((sw) => ({ before: sw.before, after: sw.after, value: sw.value })) };
  const key = "/api/path/formulas\n" + JSON.stringify(body);
  const run = async () => {
    const abort = new AbortController();
    formulasAbort = abort;
    try {
      const data = await cachedApi("/api/path/formulas", body, abort.signal);
      path.formulas = data.switches;
    } catch (err) {
      if (abort.signal.aborted) return;
      path.formulas = [];
      path.formulasError = err.message;
    } finally {
      if (formulasAbort === abort) formulasAbort = null;
    }
    if (state.path === path) drawPath();
  };
  if (answers.has(key)) run();        // known: at once
  else formulasTimer = setTimeout(run, 250);
}

function formulaOf(path, sw) {
  if (!path.formulas) return undefined;       // not yet known
  const f = path.formulas.find((x) => x.before === sw.before && x.after === sw.after && x.value === sw.value);
  return f ? f.forms : null;
}

function pathSegments(data) {
  // [{lo, hi, structure}]; the path marks "no corner equilibrium" with an empty name
  return (data.segments || []).map((s) => ({ lo: s.from, hi: s.to, structure: s.structure || null }));
}

function drawPath() {
  const box = $("path");
  box.replaceChildren();
  const list = $("switches");
  list.replaceChildren();
  if (!state.path || state.path.name !== $("path-param").value) return;
  const { name, lo, hi, data } = state.path;
  const L = 30, R = 530, Y = 26, Hb = 30;
  const X = (v) => L + ((v - lo) / (hi - lo)) * (R - L);
  for (const seg of pathSegments(data)) {
    const x1 = X(seg.lo), x2 = X(seg.hi);
    box.append(svg("rect", { x: x1, y: Y, width: Math.max(0.5, x2 - x1), height: Hb,
                             fill: seg.structure ? structureColour(seg.structure) : "#cfd4da", "fill-opacity": "0.85" }));
    if (x2 - x1 > 26) {
      box.append(svg("text", { x: (x1 + x2) / 2, y: Y + Hb / 2 + 5, "text-anchor": "middle",
                               "font-size": "13", "font-weight": "600", fill: "#1d2430" }, seg.structure || "none"));
    }
  }
  const switches = data.switches || [];
  for (const sw of switches) {
    const x = X(sw.value);
    box.append(svg("line", { x1: x, x2: x, y1: Y - 6, y2: Y + Hb + 6, stroke: "#1d2430", "stroke-width": "1.5" }));
    const item = el("li", {}, `${name} = ${sw.value.toPrecision(12)}: ${sw.before || "none"} → ${sw.after || "none"}` +
                    (sw.kind === "existence" ? " (a corner equilibrium stops or starts existing)" : " (incomes equal)"));
    if (sw.kind === "income") {
      const forms = formulaOf(state.path, sw);
      if (forms === undefined) item.append(el("div", { class: "muted formula-pending" }, "closed form: solving…"));
      else if (forms === null) item.append(el("div", { class: "muted" }, "no closed form found (the value is solved numerically)"));
      else for (const f of forms) item.append(tex(el("div", { class: "formula" }), `${f.symbol} = ${f.formula}`, true));
    }
    list.append(item);
  }
  if (!switches.length) list.append(el("li", { class: "muted" }, `no switch of the general equilibrium on this range of ${name}`));
  // axis
  box.append(svg("line", { x1: L, x2: R, y1: Y + Hb + 14, y2: Y + Hb + 14, stroke: "#5f6b7a" }));
  for (let t = 0; t <= 4; t++) {
    const v = lo + (t / 4) * (hi - lo), x = X(v);
    box.append(svg("line", { x1: x, x2: x, y1: Y + Hb + 11, y2: Y + Hb + 17, stroke: "#5f6b7a" }));
    box.append(svg("text", { x, y: Y + Hb + 30, "text-anchor": "middle", "font-size": "11", fill: "#5f6b7a" }, fmt(v, 3)));
  }
  const v = state.values[name];
  if (v >= lo && v <= hi) {
    const x = X(v);
    box.append(svg("path", { d: `M ${x - 7} ${Y - 12} L ${x + 7} ${Y - 12} L ${x} ${Y - 2} z`, fill: "#111" }));
    box.append(svg("text", { x: Math.min(R, Math.max(L, x)), y: Y - 15, "text-anchor": "middle", "font-size": "11" },
                   `${name} = ${fmt(v, 4)}`));
  }
}

// ---------------------------------------------------------------- income curves along the path
function curvePoints(xs, ys, X, Y) {
  // polyline pieces where the structure exists (null breaks the line)
  const pieces = [];
  let cur = [];
  xs.forEach((x, i) => {
    const y = ys[i];
    if (y === null || y === undefined || !Number.isFinite(Y(y))) { if (cur.length) pieces.push(cur); cur = []; return; }
    cur.push(`${X(x).toFixed(1)},${Y(y).toFixed(1)}`);
  });
  if (cur.length) pieces.push(cur);
  return pieces.map((p) => "M " + p.join(" L "));
}

function drawCurves() {
  const box = $("curves"), legend = $("curves-legend");
  box.replaceChildren();
  legend.replaceChildren();
  if (!state.path || state.path.name !== $("path-param").value || !state.path.data.curves) return;
  const { name, lo, hi, data } = state.path;
  const curves = data.curves;
  $("curves-param").textContent = name;
  const printed = state.printedOn && state.printed && state.printed.curves.name === name ? state.printed.curves : null;
  $("curves-printed-note").classList.toggle("hidden", !printed);
  const log = $("curves-log").checked;
  const L = 58, R = 548, T = 12, B = 232;
  const series = Object.values(curves.income).concat(printed ? Object.values(printed.income) : []);
  const values = series.flat().filter((v) => v !== null && Number.isFinite(v) && (!log || v > 0));
  if (!values.length) { box.append(svg("text", { x: 280, y: 120, "text-anchor": "middle" }, "no structure exists on this range")); return; }
  // a printed formula may give a negative income: the axis then goes below 0 to show it
  let ymin = log ? Math.min(...values) : Math.min(0, ...values), ymax = Math.max(...values);
  if (log) { ymin = Math.log10(ymin); ymax = Math.log10(ymax); }
  if (!(ymax > ymin)) ymax = ymin + 1;
  const pad = 0.04 * (ymax - ymin);
  ymax += pad; if (log || ymin < 0) ymin -= pad;
  const X = (v) => L + ((v - lo) / (hi - lo)) * (R - L);
  const Y = (u) => { const t = log ? (u > 0 ? Math.log10(u) : NaN) : u; return B - ((t - ymin) / (ymax - ymin)) * (B - T); };
  // the general equilibrium: the upper envelope of the structures that exist, as a band in its colour
  const names = Object.keys(curves.income);
  let run = null;
  const flush = () => {
    if (run && run.pts.length) {
      box.append(svg("path", { d: "M " + run.pts.join(" L "), fill: "none", stroke: structureColour(run.name),
                               "stroke-width": "9", "stroke-opacity": "0.3", "stroke-linejoin": "round",
                               class: "envelope", "data-structure": run.name }));
    }
  };
  curves.x.forEach((x, i) => {
    let best = null, bestV = -Infinity;
    for (const n of names) { const v = curves.income[n][i]; if (v !== null && v > bestV) { best = n; bestV = v; } }
    const pt = best === null ? null : `${X(x).toFixed(1)},${Y(bestV).toFixed(1)}`;
    if (!run || run.name !== best) {
      flush();
      const prev = run && run.pts.length ? run.pts[run.pts.length - 1] : null;
      run = { name: best, pts: best === null ? [] : (prev ? [prev, pt] : [pt]) };
    } else if (pt) run.pts.push(pt);
  });
  flush();
  for (const n of names) {
    for (const d of curvePoints(curves.x, curves.income[n], X, Y)) {
      box.append(svg("path", { d, fill: "none", stroke: structureColour(n), "stroke-width": "1.8", class: "curve",
                               "data-structure": n }));
    }
  }
  if (printed) {
    for (const n of Object.keys(printed.income)) {
      for (const d of curvePoints(printed.x, printed.income[n], X, Y)) {
        box.append(svg("path", { d, fill: "none", stroke: structureColour(n), "stroke-width": "1.4",
                                 "stroke-dasharray": "5 4", class: "printed-curve", "data-structure": n }));
      }
    }
  }
  // axes
  box.append(svg("line", { x1: L, x2: R, y1: B, y2: B, stroke: "#5f6b7a" }));
  box.append(svg("line", { x1: L, x2: L, y1: T, y2: B, stroke: "#5f6b7a" }));
  for (let t = 0; t <= 4; t++) {
    const v = lo + (t / 4) * (hi - lo), x = X(v);
    box.append(svg("text", { x, y: B + 16, "text-anchor": "middle", "font-size": "11", fill: "#5f6b7a" }, fmt(v, 3)));
    const u = ymin + (t / 4) * (ymax - ymin), y = B - (t / 4) * (B - T);
    box.append(svg("text", { x: L - 5, y: y + 4, "text-anchor": "end", "font-size": "11", fill: "#5f6b7a" },
                   fmt(log ? Math.pow(10, u) : u, 3)));
  }
  box.append(svg("text", { x: (L + R) / 2, y: B + 34, "text-anchor": "middle", "font-size": "13",
                           "font-style": "italic", "font-weight": "600" }, name));
  for (const sw of data.switches || []) {
    const x = X(sw.value);
    box.append(svg("line", { x1: x, x2: x, y1: T, y2: B, stroke: "#1d2430", "stroke-dasharray": "2 3", "stroke-width": "1" }));
  }
  const v = state.values[name];
  if (v >= lo && v <= hi) {
    box.append(svg("line", { x1: X(v), x2: X(v), y1: T, y2: B, stroke: "#111", "stroke-width": "1.5", class: "marker" }));
  }
  for (const n of names) {
    const item = el("span", {});
    const sw = el("span", { class: "swatch" });
    sw.style.background = structureColour(n);
    item.append(sw, document.createTextNode(n));
    legend.append(item);
  }
}

// ---------------------------------------------------------------- printed vs derived (seed paper)
function setupPrinted() {
  const card = $("printed-card");
  card.classList.toggle("hidden", !state.model.printed);
  $("printed-body").classList.toggle("hidden", !(state.model.printed && state.printedOn));
  const link = $("report-link");
  link.replaceChildren();
  if (!state.model.printed) return;
  if (state.report) {
    link.append(el("a", { href: state.report }, "the full audit report"));
  } else {
    link.append(document.createTextNode("The full audit report: "),
                el("code", {}, `inframarginal report ${state.model.name} --out report`),
                document.createTextNode(" (or start the explorer with --report DIR to link it here)"));
  }
}

const printedChannel = channel(async () => {
  if (!state.model || !state.model.printed || !state.printedOn) return;
  const px = $("phase-x").value, py = $("phase-y").value, pp = $("path-param").value;
  if (px === py) return;
  const sx = sliderOf(px), sy = sliderOf(py), sp = sliderOf(pp);
  const body = { model: state.modelKey, values: { ...state.values },
                 x: { name: px, lo: sx.min, hi: sx.max, n: 120 }, y: { name: py, lo: sy.min, hi: sy.max, n: 120 },
                 path: { name: pp, lo: sp.min, hi: sp.max } };
  try {
    const data = await cachedApi("/api/printed", body);
    if (body.model !== state.modelKey) return;
    state.printed = data;
    drawPrinted();
  } catch (err) {
    $("printed-source").textContent = err.message;
  }
});

function drawPrinted() {
  const data = state.printed;
  if (!data || !state.printedOn) return;
  $("printed-source").textContent = `Printed: ${data.source}. Derived: this model's closed forms.`;
  $("printed-axes").textContent = `${data.phase.x.name}–${data.phase.y.name}`;
  paintPhase($("printed-phase"), data.phase);
  const table = $("printed-formulas");
  if (table.dataset.model !== state.modelKey) {   // the formulas do not move with the values: typeset once
    table.replaceChildren();
    table.append(row(["", "printed", "derived", "printed here", "derived here"], "th"));
    for (const f of data.formulas) {
      const tr = el("tr", { "data-structure": f.structure });
      const name = el("td", {});
      const sw = el("span", { class: "swatch" });
      sw.style.background = structureColour(f.structure);
      name.append(sw, document.createTextNode(f.structure));
      tr.append(name, tex(el("td", { class: "formula printed" }), f.printed),
                f.derived ? tex(el("td", { class: "formula derived" }), f.derived) : el("td", { class: "muted" }, "numeric only"),
                el("td", { class: "num printed-value" }), el("td", { class: "num derived-value" }));
      table.append(tr);
    }
    table.dataset.model = state.modelKey;
  }
  printedNumbers();
  drawCurves();
  if (state.solution) drawBars(state.solution);
}

// The printed and derived incomes at the current point; a row whose values differ is marked.
function printedNumbers() {
  const data = state.printed;
  if (!data) return;
  const derivedHere = {};
  if (state.solution) for (const s of state.solution.structures) derivedHere[s.name] = s.exists ? s.per_capita_real_income : null;
  for (const tr of $("printed-formulas").querySelectorAll("tr[data-structure]")) {
    const name = tr.dataset.structure, p = data.at_point[name], d = derivedHere[name];
    const differs = p !== null && d !== null && d !== undefined && Math.abs(p - d) > 1e-9 * Math.max(Math.abs(d), 1e-300);
    tr.classList.toggle("differs", differs);
    tr.querySelector(".printed-value").textContent = fmt(p, 6);
    tr.querySelector(".derived-value").textContent = d === null ? "does not exist" : fmt(d, 6);
  }
}

// ---------------------------------------------------------------- beach game
const BEACH = { L: 30, R: 530, Y: 64 };
const beachX = (v) => BEACH.L + v * (BEACH.R - BEACH.L);
const sellerColour = (i) => PALETTE[i % PALETTE.length];

const beachChannel = channel(async () => {
  const positions = [...state.beach.positions];
  try {
    const data = await api("/api/beach/shares", { positions, circle: state.beach.circle });
    state.beach.shares = data.shares;
    drawBeach();
  } catch (err) {
    $("beach-status").textContent = err.message;
  }
});

function beachRegions(positions, circle) {
  // each distinct location's stretch of beach: [lo, hi] pieces (midpoints between neighbours)
  const ys = [...new Set(positions)].sort((a, b) => a - b);
  const out = {};
  ys.forEach((y, j) => {
    if (!circle) {
      const lo = j === 0 ? 0 : (ys[j - 1] + y) / 2, hi = j === ys.length - 1 ? 1 : (y + ys[j + 1]) / 2;
      out[y] = [[lo, hi]];
    } else if (ys.length === 1) {
      out[y] = [[0, 1]];
    } else {
      const prev = j === 0 ? ys[ys.length - 1] - 1 : ys[j - 1];
      const next = j === ys.length - 1 ? ys[0] + 1 : ys[j + 1];
      const lo = (prev + y) / 2, hi = (y + next) / 2;
      const pieces = [];
      if (lo < 0) pieces.push([lo + 1, 1], [0, hi]);
      else if (hi > 1) pieces.push([lo, 1], [0, hi - 1]);
      else pieces.push([lo, hi]);
      out[y] = pieces;
    }
  });
  return out;
}

function drawBeach() {
  const box = $("beach");
  box.replaceChildren();
  const { positions, shares, circle } = state.beach;
  box.append(svg("rect", { x: BEACH.L, y: BEACH.Y - 6, width: BEACH.R - BEACH.L, height: 12, fill: "#fff" }));
  const regions = beachRegions(positions, circle);
  const firstAt = {};
  positions.forEach((p, i) => { if (!(p in firstAt)) firstAt[p] = i; });
  for (const [y, pieces] of Object.entries(regions)) {
    for (const [lo, hi] of pieces) {
      box.append(svg("rect", { x: beachX(lo), y: BEACH.Y - 6, width: Math.max(0, beachX(hi) - beachX(lo)), height: 12,
                               fill: sellerColour(firstAt[y]), "fill-opacity": "0.45" }));
    }
  }
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    box.append(svg("line", { x1: beachX(v), x2: beachX(v), y1: BEACH.Y + 8, y2: BEACH.Y + 14, stroke: "#8a7a55" }));
    box.append(svg("text", { x: beachX(v), y: BEACH.Y + 27, "text-anchor": "middle", "font-size": "11", fill: "#5f6b7a" },
                   v === 1 && circle ? "1 ≡ 0" : String(v)));
  }
  const stack = {};
  positions.forEach((p, i) => {
    const k = (stack[p] = (stack[p] || 0) + 1) - 1;
    const cx = beachX(p), cy = BEACH.Y - 16 - 14 * k;
    const dot = svg("circle", { cx, cy, r: 9, fill: sellerColour(i), stroke: "#fff", "stroke-width": "2",
                                class: "seller", "data-index": String(i) });
    dot.style.cursor = "grab";
    box.append(dot);
    box.append(svg("text", { x: cx, y: cy + 4, "text-anchor": "middle", "font-size": "10", fill: "#fff",
                             "pointer-events": "none" }, String(i + 1)));
  });
  const list = $("beach-shares");
  list.replaceChildren();
  positions.forEach((p, i) => {
    const item = el("span", {});
    const sw = el("span", { class: "swatch" });
    sw.style.background = sellerColour(i);
    const share = shares && shares.length === positions.length ? fmt(shares[i], 4) : "…";
    item.append(sw, document.createTextNode(`seller ${i + 1} at ${fmt(p, 3)}: share ${share}`));
    list.append(item);
  });
}

function beachValueAt(event) {
  const box = $("beach"), rect = box.getBoundingClientRect();
  const x = ((event.clientX - rect.left) * 560) / rect.width;
  return Math.min(1, Math.max(0, (x - BEACH.L) / (BEACH.R - BEACH.L)));
}

function setupBeach() {
  const box = $("beach");
  let dragging = null;
  box.addEventListener("pointerdown", (event) => {
    stopAnimation();
    const target = event.target;
    if (target.classList && target.classList.contains("seller")) {
      dragging = Number(target.dataset.index);
      box.setPointerCapture(event.pointerId);
      return;
    }
    if (state.beach.positions.length >= 24) { $("beach-status").textContent = "at most 24 sellers"; return; }
    state.beach.positions.push(Number(beachValueAt(event).toFixed(3)));
    state.beach.shares = null;
    drawBeach();
    beachChannel();
  });
  box.addEventListener("pointermove", (event) => {
    if (dragging === null) return;
    state.beach.positions[dragging] = Number(beachValueAt(event).toFixed(3));
    drawBeach();
    beachChannel();
  });
  const stop = () => { dragging = null; };
  box.addEventListener("pointerup", stop);
  box.addEventListener("pointercancel", stop);
  box.addEventListener("dblclick", (event) => {
    const target = event.target;
    if (target.classList && target.classList.contains("seller") && state.beach.positions.length > 1) {
      state.beach.positions.splice(Number(target.dataset.index), 1);
      drawBeach();
      beachChannel();
    }
  });
  $("beach-circle").addEventListener("change", () => {
    stopAnimation();
    state.beach.circle = $("beach-circle").checked;
    beachChannel();
  });
  $("beach-reset").addEventListener("click", () => {
    stopAnimation();
    state.beach.positions = [0.15, 0.85];
    $("beach-status").textContent = "";
    beachChannel();
  });
  $("beach-run").addEventListener("click", runDynamics);
}

function stopAnimation() {
  if (state.beach.anim) { clearInterval(state.beach.anim); state.beach.anim = null; }
}

async function runDynamics() {
  stopAnimation();
  const status = $("beach-status");
  try {
    const data = await api("/api/beach/dynamics", { positions: [...state.beach.positions], circle: state.beach.circle,
                                                    mode: $("beach-mode").value, epsilon: 0.01, max_rounds: 100 });
    let steps = data.steps;
    if (steps.length > 150) {       // keep the animation short: subsample, first and last kept
      const k = Math.ceil(steps.length / 150);
      steps = steps.filter((_, i) => i % k === 0 || i === data.steps.length - 1);
    }
    let frame = 0;
    state.beach.anim = setInterval(() => {
      const s = steps[frame];
      state.beach.positions = s.positions.map(Number);
      state.beach.shares = s.shares.map(Number);
      drawBeach();
      status.textContent = `step ${s.step} of ${data.steps[data.steps.length - 1].step}`;
      frame += 1;
      if (frame >= steps.length) {
        stopAnimation();
        status.textContent = `${data.converged ? "converged" : "stopped"}: ${data.reason}`;
      }
    }, 110);
  } catch (err) {
    status.textContent = err.message;
  }
}

// ---------------------------------------------------------------- upload
async function uploadFile(file) {
  const box = $("upload-error");
  box.classList.add("hidden");
  if (file.size > 256 * 1024) {
    box.textContent = `${file.name}: the file is ${file.size} bytes; a model file may have at most 262144 bytes (256 kB)`;
    box.classList.remove("hidden");
    return;
  }
  try {
    const text = await file.text();
    const model = await api("/api/models", { filename: file.name, text });
    await loadModels(model.key);
    await loadModel(model.key);
  } catch (err) {
    box.textContent = `Model file not loaded: ${err.message}`;
    box.classList.remove("hidden");
  }
}

// ---------------------------------------------------------------- start
async function main() {
  const url = readURL();
  setupBeach();
  drawBeach();
  beachChannel();
  $("reset").addEventListener("click", resetValues);
  $("upload-error").addEventListener("click", () => $("upload-error").classList.add("hidden"));
  $("model-select").addEventListener("change", () => {
    const key = $("model-select").value;
    if (key.startsWith("types:")) { window.location.href = "/types?model=" + encodeURIComponent(key.slice(6)); return; }
    loadModel(key).catch((e) => showError(e.message));
  });
  $("upload").addEventListener("change", (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (file) uploadFile(file);
  });
  for (const id of ["phase-x", "phase-y", "phase-n"]) {
    $(id).addEventListener("change", () => { writeURL(); phaseChannel(); printedChannel(); });
  }
  $("path-param").addEventListener("change", () => { writeURL(); pathChannel(); printedChannel(); });
  $("curves-log").addEventListener("change", drawCurves);
  $("printed-toggle").addEventListener("change", () => {
    state.printedOn = $("printed-toggle").checked;
    $("printed-body").classList.toggle("hidden", !state.printedOn);
    if (state.printedOn) printedChannel();
    else { drawCurves(); if (state.solution) drawBars(state.solution); }
  });
  $("phase-marker").addEventListener("mousemove", (event) => {
    const at = phaseAt(event);
    if (at) $("phase-info").textContent =
      `${state.phase.x.name} = ${fmt(at.x, 4)}, ${state.phase.y.name} = ${fmt(at.y, 4)}: ${at.structure}`;
  });
  $("phase-marker").addEventListener("click", (event) => {
    const at = phaseAt(event);
    if (!at) return;
    const data = state.phase;
    state.values[data.x.name] = at.x;
    state.values[data.y.name] = at.y;
    setControl(data.x.name, at.x);
    setControl(data.y.name, at.y);
    writeURL();
    drawPhaseMarker();
    solveChannel();
    pathChannel();
    printedChannel();
  });
  try {
    const fallback = await loadModels(url.model);
    let key = url.model && state.models.some((m) => m.key === url.model) ? url.model : fallback;
    if (url.model && key !== url.model) {
      showError(`The model ${url.model} in the address is not known to this server (an uploaded model ` +
                `lasts while the server runs): showing ${key}.`);
    }
    await loadModel(key, url);
  } catch (err) {
    showError(err.message);
  }
}

document.addEventListener("DOMContentLoaded", main);
