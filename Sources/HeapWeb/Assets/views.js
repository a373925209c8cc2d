// views.js: one function per view. Each draws into `main` from the view data of the
// current state and returns nothing; navigation goes through HP.go(changes).
"use strict";

(function () {
  const V = (HP.views = {});
  const el = HP.el;

  function error(main, e) {
    main.replaceChildren(el("div", { class: "error", role: "alert" }, String(e.message || e)));
  }

  function regexOf(name) { return "^" + name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "$"; }

  // A name with links to the flame graph (search) and the source view.
  function nameLinks(name) {
    return el("span", { class: "links" },
      el("a", { href: HP.url(Object.assign({}, HP.state, { view: "flamegraph", q: regexOf(name) })), title: "find it in the flame graph" }, "flame"),
      " · ",
      el("a", { href: HP.url(Object.assign({}, HP.state, { view: "source", re: regexOf(name) })), title: "its source lines" }, "source"));
  }

  // ---- flame graph --------------------------------------------------------------
  V.flamegraph = async function (main, state, meta) {
    const data = await HP.api("flame", state, ["si", "f", "i", "h", "s", "g", "p", "b", "inv"]);
    const search = el("input", { type: "search", placeholder: "search frames (regex)", value: state.q || "", "aria-label": "search", "data-testid": "search" });
    const found = el("span", { class: "found", "data-testid": "found" });
    const inverted = el("input", { type: "checkbox", id: "inv", checked: state.inv === "1", "data-testid": "inverted" });
    inverted.addEventListener("change", () => HP.go({ inv: inverted.checked ? "1" : undefined }));
    const reset = el("button", { type: "button", onclick: () => flame.zoomTo(0) }, "reset zoom");
    const legend = el("span", { class: "legend-row" },
      el("span", { class: "swatch program" }), "program ", el("span", { class: "swatch library" }), "library ",
      el("span", { class: "swatch mapcode" }), "◆ map storage ", el("span", { class: "swatch mapowner" }), "⬢ map owner ",
      el("span", { class: "swatch kept", title: "⬡ marks the frame below which a map keeps everything allocated" }), "⬡ kept alive by a map");
    const toolbar = el("div", { class: "toolbar" }, search, found, el("label", { for: "inv" }, inverted, " caller-rooted (inverted)"), reset, legend);
    const box = el("div", { class: "flame", "data-testid": "flame-box" });
    const timelineSlot = el("div", {});
    const note = data.elided ? el("div", { class: "note" }, `${data.elided} frames narrower than 1/${data.narrowest} of the total are folded into their callers`) : null;
    main.replaceChildren(timelineSlot, toolbar, box, note || "");
    const flame = new HP.Flame(box, data);
    HP.flame = flame;
    const run = () => {
      const r = flame.search(search.value);
      found.textContent = search.value ? `${r.count} frames match: ${HP.formatValue(r.sum, data.unit)} (${HP.percent(r.sum, data.unfilteredTotal || data.total)})` : "";
      HP.replaceState({ q: search.value || undefined });
    };
    search.addEventListener("input", run);
    if (search.value) run();
    // The timeline of a series comes when the growth analysis is ready (the flame graph
    // does not wait for it).
    if (meta.snapshots.length >= 2 || meta.loading) {
      HP.api("growth", {}, []).then((growth) => {
        if (!growth.totals || growth.totals.length < 2 || !timelineSlot.isConnected) return;
        timelineSlot.replaceChildren(el("div", { class: "panel timeline-panel" },
          el("div", { class: "panel-title" }, "In use per snapshot — click one to show it"),
          HP.timeline(growth, Number(state.p ?? meta.snapshots.length - 1), (i) => HP.go({ p: String(i) }))));
        document.body.dataset.timeline = "1";
      }).catch(() => {});
    }
  };

  // ---- top -------------------------------------------------------------------
  V.top = async function (main, state) {
    const data = await HP.api("top", state, ["si", "f", "i", "h", "s", "g", "p", "b"]);
    // Long tables are drawn 200 rows at a time (a thousand rows of links took longer to
    // lay out than the flame graph to draw); the rest on request.
    let sortKey = "flat", descending = true, shown = 200;
    const table = el("table", { class: "top", "data-testid": "top" });
    const headers = [["flat", "flat"], ["flat%", "flat"], ["sum%", null], ["cum", "cum"], ["cum%", "cum"], ["name", "name"]];
    const draw = () => {
      const rows = data.rows.slice();
      rows.sort((a, b) => {
        const x = sortKey === "name" ? a.name.localeCompare(b.name) : a[sortKey] - b[sortKey];
        return descending ? -x : x;
      });
      let sum = 0;
      const head = el("tr", {}, ...headers.map(([label, key]) => el("th", {
        class: key ? "sortable" + (key === sortKey ? " sorted" : "") : "", title: key ? "sort" : "",
        onclick: key ? () => { descending = key === sortKey ? !descending : key !== "name"; sortKey = key; draw(); } : null,
      }, label)));
      const body = rows.slice(0, shown).map((r) => {
        sum += r.flat;
        return el("tr", { class: r.kind >= 2 ? "map-row" : "" },
          el("td", { class: "num" }, r.flatText), el("td", { class: "num" }, HP.percent(r.flat, data.total)),
          el("td", { class: "num" }, sortKey === "flat" && descending ? HP.percent(sum, data.total) : ""),
          el("td", { class: "num" }, r.cumText), el("td", { class: "num" }, HP.percent(r.cum, data.total)),
          el("td", { class: "name" }, r.kind === 3 ? el("span", { class: "badge owner", title: "owns a map" }, "map owner") : r.kind === 2 ? el("span", { class: "badge map" }, "map") : null, " ", r.name, " ", nameLinks(r.name)));
      });
      const next = Math.min(rows.length, shown * 5);
      const more = rows.length > shown ? el("tfoot", {}, el("tr", {}, el("td", { colspan: "6", class: "more" },
        el("button", { type: "button", "data-testid": "more-rows", onclick: () => { shown = next; draw(); } },
          next === rows.length ? `show all ${rows.length} rows` : `show ${next} of ${rows.length} rows`)))) : null;
      table.replaceChildren(el("thead", {}, head), el("tbody", {}, ...body), ...(more ? [more] : []));
    };
    draw();
    const header = el("pre", { class: "report-header" }, data.header.join("\n"));
    main.replaceChildren(header, table);
  };

  // ---- peek and source ---------------------------------------------------------
  function regexForm(state, placeholder) {
    const input = el("input", { type: "text", value: state.re || "", placeholder, "aria-label": "regex", "data-testid": "regex" });
    const form = el("form", { class: "toolbar", onsubmit: (e) => { e.preventDefault(); HP.go({ re: input.value || undefined }); } }, input, el("button", { type: "submit" }, "show"));
    return form;
  }

  V.peek = async function (main, state) {
    const form = regexForm(state, "functions (regex), e.g. store");
    if (!state.re) { main.replaceChildren(form, el("p", { class: "note" }, "Name functions to see their callers and callees, as pprof -peek.")); return; }
    const data = await HP.api("peek", state, ["si", "f", "i", "h", "s", "g", "p", "b", "re"]);
    main.replaceChildren(form, el("pre", { class: "report", "data-testid": "peek" }, data.text));
  };

  V.source = async function (main, state) {
    const form = regexForm(state, "functions (regex), e.g. ResponseCache.store");
    if (!state.re) { main.replaceChildren(form, el("p", { class: "note" }, "Name functions to see their source lines with flat and cum per line, as pprof -list.")); return; }
    const data = await HP.api("source", state, ["si", "f", "i", "h", "s", "g", "p", "b", "re"]);
    const blocks = data.routines.map((r) => el("section", { class: "routine" },
      el("h3", {}, r.function, el("span", { class: "file" }, " in " + (r.file || "<unknown>"))),
      el("div", { class: "routine-total" }, `flat ${r.flatText}, cum ${r.cumText} (${HP.percent(r.cum, data.total)} of the total)`),
      r.missing ? el("div", { class: "note" }, r.missing) : null,
      el("table", { class: "source" }, el("tbody", {}, ...r.lines.map((l) => el("tr", { class: l.cum ? "hot" : "" },
        el("td", { class: "num" }, l.flatText), el("td", { class: "num" }, l.cumText), el("td", { class: "lineno" }, String(l.n)),
        el("td", { class: "code" }, l.text)))))));
    main.replaceChildren(form, ...blocks);
  };

  // ---- graph -------------------------------------------------------------------
  V.graph = async function (main, state) {
    const text = await HP.api("graph", state, ["si", "f", "i", "h", "s", "g", "p", "b"]);
    const doc = new DOMParser().parseFromString(text, "image/svg+xml");
    const svgNode = doc.documentElement;
    svgNode.removeAttribute("width");
    svgNode.removeAttribute("height");
    const box = el("div", { class: "graph", "data-testid": "graph" });
    box.append(document.importNode(svgNode, true));
    const svgEl = box.querySelector("svg");
    // Pan (drag) and zoom (wheel) by moving the viewBox.
    const vb = svgEl.viewBox.baseVal;
    let drag = null;
    box.addEventListener("wheel", (e) => {
      e.preventDefault();
      const f = e.deltaY > 0 ? 1.15 : 1 / 1.15;
      const r = svgEl.getBoundingClientRect();
      const px = vb.x + ((e.clientX - r.left) / r.width) * vb.width, py = vb.y + ((e.clientY - r.top) / r.height) * vb.height;
      vb.x = px - (px - vb.x) * f; vb.y = py - (py - vb.y) * f; vb.width *= f; vb.height *= f;
    }, { passive: false });
    box.addEventListener("mousedown", (e) => { drag = { x: e.clientX, y: e.clientY, vx: vb.x, vy: vb.y }; });
    window.addEventListener("mouseup", () => { drag = null; });
    box.addEventListener("mousemove", (e) => {
      if (!drag) return;
      const r = svgEl.getBoundingClientRect();
      vb.x = drag.vx - ((e.clientX - drag.x) / r.width) * vb.width;
      vb.y = drag.vy - ((e.clientY - drag.y) / r.height) * vb.height;
    });
    // Click a node: focus on it.
    for (const g of box.querySelectorAll("g.node")) {
      const title = g.querySelector("title");
      const name = g.querySelector("a")?.getAttribute("xlink:title") || (title && title.textContent);
      if (!name || name.startsWith("N")) continue;
      g.style.cursor = "pointer";
      g.addEventListener("click", (e) => { e.preventDefault(); HP.go({ f: regexOf(name.split("\n")[0]) }); });
    }
    main.replaceChildren(el("p", { class: "note" }, "Drag to pan, wheel to zoom, click a box to focus on it."), box);
  };

  // ---- maps --------------------------------------------------------------------
  V.maps = async function (main, state) {
    const data = await HP.api("maps", state, ["p"]);
    if (!data.owners.length) { main.replaceChildren(el("pre", { class: "report" }, data.text)); return; }
    const findings = data.owners.flatMap((o) => o.findings.map((f) => ({ o, f })));
    const verdict = el("div", { class: "verdict" + (findings.length ? " bad" : " good"), "data-testid": "maps-verdict" },
      findings.length ? `${findings.length} finding${findings.length === 1 ? "" : "s"}` : "No finding: no map only grows, churns or keeps resizing.");
    const cards = data.owners.filter((o) => o.findings.length || o.inuse > 0).slice(0, 30).map((o) => el("section", { class: "card" + (o.findings.length ? " finding" : "") },
      el("h3", {}, el("span", { class: "badge owner" }, "⬢ " + o.type), " owned by ", el("code", {}, o.owner), " ", nameLinks(o.owner)),
      ...(o.keptBy ? [el("div", {}, "kept by ", el("code", {}, o.keptBy))] : []),
      el("div", {}, `in use ${o.inuseText}: tables ${o.tablesText} in ${o.tables} block${o.tables === 1 ? "" : "s"}, entries ${o.entriesText} in ${o.entries} object${o.entries === 1 ? "" : "s"}`),
      ...(o.table ? [el("div", { "data-testid": "maps-table" }, `${o.table.tables} live table${o.table.tables === 1 ? "" : "s"}, capacity ${o.table.capacity} ${o.table.unit}` + (o.table.entries === null ? "" : `; ${o.table.entries} live entr${o.table.entries === 1 ? "y" : "ies"} (${Math.round(o.table.entries * 100 / Math.max(1, o.table.capacity))}% occupied)`))] : []),
      el("div", { class: "path" }, o.path.join(" → ")),
      ...o.findings.map((f) => el("div", { class: "finding-text" }, el("strong", {}, f.kind), " — ", f.message))));
    main.replaceChildren(verdict, ...cards);
  };

  // ---- growth ------------------------------------------------------------------
  V.growth = async function (main, state, meta) {
    const data = await HP.api("growth", {}, []);
    if (data.pending) { main.replaceChildren(el("p", { class: "note" }, "Reading the snapshots: the growth analysis follows.")); return; }
    if (!data.totals.length) {
      main.replaceChildren(el("p", { class: "note" }, "Growth needs two or more snapshots of one process: take them with heapprof snapshot PID (or heapprof web --live PID)."));
      return;
    }
    const suspects = data.groups.filter((g) => g.suspect);
    const verdict = el("div", { class: "verdict " + (suspects.length ? "bad" : "good"), "data-testid": "growth-verdict" },
      suspects.length ? `${suspects.length} leak suspect${suspects.length === 1 ? "" : "s"}: ${suspects[0].name}` : "No leak suspect: nothing grew in every interval.");
    const chart = el("div", { class: "panel" }, HP.timeline(data, Number(state.p ?? meta.snapshots.length - 1), (i) => HP.go({ view: "flamegraph", p: String(i) })));
    const groups = data.groups.map((g) => el("section", { class: "card" + (g.suspect ? " finding" : "") },
      el("h3", {}, el("span", { class: "badge " + (g.suspect ? "bad" : "") }, g.verdict), " ", g.name, " ", nameLinks(g.owner)),
      el("div", {}, g.summary),
      el("div", {}, "in use: " + g.inuse.map((v) => HP.formatValue(v, "bytes")).join(" → ")),
      g.insertPath.length ? el("div", { class: "path" }, "insert: " + g.insertPath.join(" → ")) : null));
    main.replaceChildren(verdict, chart, ...groups, el("details", {}, el("summary", {}, "the growth report as text"), el("pre", { class: "report" }, data.text)));
  };

  // ---- diff --------------------------------------------------------------------
  V.diff = async function (main, state, meta) {
    const n = meta.snapshots.length;
    if (n < 2) { main.replaceChildren(el("p", { class: "note" }, "A diff needs two snapshots.")); return; }
    const b = state.b ?? "0", p = state.p ?? String(n - 1);
    const pick = (key, value) => {
      const s = el("select", { "aria-label": key === "b" ? "from" : "to", "data-testid": "diff-" + key });
      meta.snapshots.forEach((x, i) => s.append(el("option", { value: String(i), selected: String(i) === value }, `#${i + 1} ${HP.formatValue(x.inuse, "bytes")}`)));
      s.addEventListener("change", () => HP.go({ [key]: s.value }));
      return s;
    };
    const q = Object.assign({}, state, { b, p });
    const [flameData, topData] = await Promise.all([
      HP.api("flame", q, ["si", "f", "i", "h", "s", "g", "p", "b", "inv"]), HP.api("top", q, ["si", "f", "i", "h", "s", "g", "p", "b"])]);
    const box = el("div", { class: "flame" });
    const rows = topData.rows.filter((r) => r.flat !== 0).sort((x, y) => y.flat - x.flat).slice(0, 40);
    const table = el("table", { class: "top", "data-testid": "diff-table" }, el("thead", {}, el("tr", {}, el("th", {}, "change (flat)"), el("th", {}, "cum"), el("th", {}, "name"))),
      el("tbody", {}, ...rows.map((r) => el("tr", { class: r.flat > 0 ? "grew" : "shrank" }, el("td", { class: "num" }, (r.flat > 0 ? "+" : "") + r.flatText), el("td", { class: "num" }, r.cumText), el("td", { class: "name" }, r.name)))));
    main.replaceChildren(el("div", { class: "toolbar" }, "from ", pick("b", b), " to ", pick("p", p), el("span", { class: "legend-row" }, el("span", { class: "swatch grew" }), "grew ", el("span", { class: "swatch shrank" }), "shrank")), box, table);
    HP.flame = new HP.Flame(box, flameData);
  };
})();
