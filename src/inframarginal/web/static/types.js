// The explorer of the built-in models with types: sliders grouped by type, each type's
// utility and gain against autarky, the general equilibria ranked by Pareto, the network
// coloured by type.  Everything shown comes from /api/typed/solve (heterogeneous/payload.py).
"use strict";

const $ = (id) => document.getElementById(id);
const state = { model: null, values: {}, seq: 0 };

function el(tag, attrs = {}, ...children) {
  const svg = ["svg", "circle", "line", "text", "g", "title"].includes(tag);
  const node = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

const fmt = (v, digits = 6) => (v === null || v === undefined ? "-" : Number(v.toPrecision(digits)).toString());
const pct = (v) => (v === null || v === undefined ? "-" : (v >= 0 ? "+" : "") + (100 * v).toFixed(2) + " %");

async function post(path, body) {
  const response = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
                                       body: JSON.stringify(body) });
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

function showError(message) {
  $("typed-error").textContent = message;
  $("typed-error").classList.toggle("hidden", !message);
}

// A finite slider range: the domain where it is bounded, else the default divided and multiplied by 4.
function range(s) {
  const d = s.default;
  let lo = s.lower !== null ? s.lower : (d > 0 ? d / 4 : d - 4);
  let hi = s.upper !== null ? s.upper : (d > 0 ? d * 4 : d + 4);
  if (s.lower === 0 && d > 0) lo = Math.max(lo, d / 4);  // (0, ...): an open end is not a value
  return [lo, hi];
}

function buildSliders(payload) {
  const box = $("typed-sliders");
  box.replaceChildren();
  const groups = {};
  for (const s of payload.sliders) {
    const owner = s.types.join(", ");
    if (!groups[owner]) {
      groups[owner] = el("fieldset", { "data-type": owner }, el("legend", {}, owner));
      box.append(groups[owner]);
    }
    const [lo, hi] = range(s);
    const input = el("input", { type: "range", id: "slider-" + s.name, min: lo, max: hi, step: "any",
                                value: s.value, "aria-label": s.name });
    const shown = el("output", { id: "value-" + s.name }, fmt(s.value, 4));
    input.addEventListener("input", () => {
      state.values[s.name] = Number(input.value);
      shown.textContent = fmt(Number(input.value), 4);
      solve();
    });
    groups[owner].append(el("label", { title: s.description || "" }, s.name + " ", input, " ", shown));
  }
}

// Through the CSSOM: the page's content security policy refuses style attributes.
function coloured(node, colour) {
  node.style.color = colour;
  return node;
}

function showIncomes(payload) {
  const ge = payload.general_equilibria[0];
  $("typed-ge").textContent = ge ? "general equilibrium: " + ge.structure : "no structure passes Yang's check";
  $("typed-ge").dataset.structure = ge ? ge.structure : "";
  const body = $("typed-incomes").tBodies[0];
  body.replaceChildren(...payload.types.map((t) => el("tr", { "data-type": t.name },
    coloured(el("td", {}, t.name), t.colour), el("td", {}, fmt(t.mass)),
    el("td", { class: "utility", "data-value": t.utility ?? "" }, fmt(t.utility)),
    el("td", { class: "autarky" }, fmt(t.autarky_utility)),
    el("td", { class: "gain", "data-value": t.gain_over_autarky ?? "" }, pct(t.gain_over_autarky)))));
}

function showEquilibria(payload) {
  const table = $("typed-equilibria");
  const names = payload.types.map((t) => t.name);
  table.tHead.replaceChildren(el("tr", {}, el("th", {}, "structure"), el("th", {}, "Pareto rank"),
    ...names.flatMap((n) => [el("th", {}, "utility " + n), el("th", {}, "gain " + n)])));
  table.tBodies[0].replaceChildren(...payload.general_equilibria.map((g) => el("tr", { "data-structure": g.structure },
    el("td", {}, g.structure), el("td", {}, String(g.pareto_rank)),
    ...names.flatMap((n) => [el("td", {}, fmt(g.utilities[n])), el("td", {}, pct(g.gains[n]))]))));
}

function showNetwork(payload) {
  const svg = $("typed-network");
  const nodes = payload.network.nodes;
  const at = {};
  nodes.forEach((n, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(nodes.length, 1);
    at[n.id] = nodes.length > 1 ? [120 * Math.cos(angle), 110 * Math.sin(angle)] : [0, 0];
  });
  const edges = payload.network.edges.map((e) => el("line", { x1: at[e.from][0], y1: at[e.from][1],
    x2: at[e.to][0], y2: at[e.to][1], stroke: "#777", "stroke-width": 1.5, "data-market": e.market },
    el("title", {}, `${e.market}: ${e.from} -> ${e.to}, price ${fmt(e.price, 4)}`)));
  const circles = nodes.map((n) => el("g", {},
    el("circle", { cx: at[n.id][0], cy: at[n.id][1], r: 24, fill: n.colour, "data-type": n.type },
       el("title", {}, `${n.id}: ${fmt(n.number, 4)} people`)),
    el("text", { x: at[n.id][0], y: at[n.id][1] + 38, "text-anchor": "middle", "font-size": 11 }, n.id)));
  svg.replaceChildren(...edges, ...circles);
}

async function solve() {
  const seq = ++state.seq;
  document.body.dataset.busy = "1";
  try {
    const payload = await post("/api/typed/solve", { model: state.model, values: state.values });
    if (seq !== state.seq) return;  // a later move has been asked for: show that one
    showError("");
    showIncomes(payload);
    showEquilibria(payload);
    showNetwork(payload);
    return payload;
  } catch (err) {
    if (seq === state.seq) showError(err.message);
  } finally {
    if (seq === state.seq) document.body.dataset.busy = "0";
  }
}

async function loadModel(key) {
  state.model = key;
  state.values = {};
  const url = new URL(window.location);
  url.searchParams.set("model", key);
  history.replaceState(null, "", url);
  const payload = await solve();
  if (payload) {
    $("typed-title").textContent = payload.title || payload.model;
    buildSliders(payload);
  }
}

async function start() {
  const listing = await (await fetch("/api/models")).json();
  const select = $("typed-model");
  select.replaceChildren(...listing.typed.map((m) => el("option", { value: m.key, title: m.title }, m.key)));
  const asked = new URLSearchParams(window.location.search).get("model");
  if (asked && listing.typed.some((m) => m.key === asked)) select.value = asked;
  select.addEventListener("change", () => loadModel(select.value));
  await loadModel(select.value);
}

start().catch((err) => showError(err.message));
