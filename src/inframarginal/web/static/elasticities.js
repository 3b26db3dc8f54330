// Marginal comparative statics: a collapsible panel with every structure's elasticities
// (d log f / d log theta of income, relative prices and relative numbers) at the point the
// explorer shows.  Self-contained: it reads the point from the address bar (which the
// explorer keeps up to date), asks POST /api/elasticities, and draws a table; it touches
// no other script's state, so the explorer's own scripts can change freely.
(function () {
  "use strict";
  const RESERVED = ["model", "px", "py", "path"];
  let lastKey = null, sequence = 0, chosen = null, timer = null, data = null;

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") node.textContent = v; else node.setAttribute(k, v);
    }
    for (const c of children || []) node.appendChild(c);
    return node;
  }

  function point() {
    const q = new URLSearchParams(window.location.search);
    const model = q.get("model");
    if (!model) return null;
    const values = {};
    for (const [k, v] of q.entries()) {
      if (RESERVED.includes(k)) continue;
      const x = Number(v);
      if (v.trim() !== "" && Number.isFinite(x)) values[k] = x;
    }
    return { model, values };
  }

  function format(entry) {
    if (entry.value === null) return "undefined";
    const v = Math.abs(entry.value) < 1e-9 ? "0" : Number(entry.value.toPrecision(4)).toString();
    return entry.kind === "semi-elasticity" ? v + " (semi)" : v;
  }

  function build() {
    const link = el("link", { rel: "stylesheet", href: "/static/elasticities.css" });
    document.head.appendChild(link);
    const select = el("select", { id: "elasticities-structure", "aria-label": "structure" });
    const panel = el("details", { id: "elasticities-card", class: "card wide elasticities" }, [
      el("summary", {}, [el("h2", { text: "Marginal comparative statics: elasticities within a structure" })]),
      el("div", { class: "elasticities-head" }, [
        el("label", { text: "structure " }, [select]),
        el("span", { id: "elasticities-status", class: "muted small", "aria-live": "polite" }),
      ]),
      el("div", { class: "elasticities-scroll" }, [el("table", { id: "elasticities-table" })]),
      el("p", { id: "elasticities-method", class: "muted small" }),
      el("p", {
        class: "muted small",
        text: "Each entry: the % change of the row's quantity per 1% change of the column's parameter, " +
          "within the structure (it does not switch). (semi): the parameter is 0, so d log f / d θ is shown; " +
          "undefined: hover for the reason.",
      }),
    ]);
    const host = document.querySelector("main .views") || document.querySelector("main") || document.body;
    host.appendChild(panel);
    select.addEventListener("change", () => { chosen = select.value; draw(); });
    panel.addEventListener("toggle", () => {
      if (panel.open) { lastKey = null; tick(); timer = setInterval(tick, 300); }
      else if (timer) { clearInterval(timer); timer = null; }
    });
  }

  function status(text, bad) {
    const s = document.getElementById("elasticities-status");
    s.textContent = text;
    s.classList.toggle("error-text", !!bad);
  }

  async function tick() {
    const p = point();
    const key = p ? JSON.stringify(p) : null;
    if (!p || key === lastKey) return;
    lastKey = key;
    const mine = ++sequence;
    status("computing…");
    let answer, body;
    try {
      answer = await fetch("/api/elasticities", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: key,
      });
      body = await answer.json();
    } catch (err) {
      body = { error: "no answer from the server (" + err + ")" };
    }
    if (mine !== sequence) return;  // a newer point was asked for meanwhile
    const table = document.getElementById("elasticities-table");
    if (!answer || !answer.ok) {
      table.classList.add("stale");  // the old numbers stay visible, greyed, with the reason
      status((body && body.error) || "error", true);
      return;
    }
    table.classList.remove("stale");
    status("");
    data = body;
    draw();
  }

  function draw() {
    if (!data) return;
    const select = document.getElementById("elasticities-structure");
    const names = data.structures.map((s) => s.name);
    if (!names.includes(chosen)) chosen = null;
    const current = chosen || data.general_equilibrium || names[0];
    select.replaceChildren(...data.structures.map((s) => el("option", {
      value: s.name,
      text: s.name + (s.name === data.general_equilibrium ? " (general equilibrium)" : "") +
        (s.exists ? "" : " (does not exist)"),
    })));
    select.value = current;
    const s = data.structures.find((x) => x.name === current);
    const table = document.getElementById("elasticities-table");
    table.dataset.structure = s.name;
    const method = document.getElementById("elasticities-method");
    if (!s.exists) {
      table.replaceChildren(el("caption", { text: s.name + " does not exist here: " + s.reason }));
      method.textContent = "";
      return;
    }
    const head = el("tr", {}, [el("th", { text: "quantity" }), el("th", { text: "level" }),
      ...data.parameters.map((p) => el("th", { text: p }))]);
    const rows = s.rows.map((r) => el("tr", { "data-quantity": r.quantity }, [
      el("th", { text: r.quantity, scope: "row" }),
      el("td", { text: Number(r.level.toPrecision(6)).toString() }),
      ...r.entries.map((e) => {
        const td = el("td", { text: format(e), "data-parameter": e.parameter, title: e.note || e.kind });
        if (e.value !== null && Math.abs(e.value) >= 1e-9) td.classList.add(e.value > 0 ? "up" : "down");
        if (e.value === null) td.classList.add("undefined");
        return td;
      }),
    ]));
    table.replaceChildren(el("thead", {}, [head]), el("tbody", {}, rows));
    method.textContent = "Method: " + s.methods.join(", ") + " (closed form: SymPy's derivative of the " +
      "structure's closed form; implicit function theorem: from the numeric corner equilibrium).";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", build);
  else build();
})();
