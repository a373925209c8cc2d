// app.js: the page's frame (tabs, snapshot, sample type, refinement), navigation through
// the URL, and the live series' polling.
"use strict";

(function () {
  const el = HP.el;
  const TABS = [
    ["flamegraph", "Flame graph"], ["top", "Top"], ["graph", "Graph"], ["peek", "Peek"], ["source", "Source"],
    ["maps", "Maps"], ["growth", "Growth"], ["diff", "Diff"],
  ];
  // What a report file holds (the server has every view).
  const REPORT_TABS = ["flamegraph", "maps", "growth"];

  HP.go = function (changes) {
    const next = Object.assign({}, HP.state, changes);
    for (const k of Object.keys(next)) if (next[k] === undefined) delete next[k];
    if (changes.view === undefined && "view" in changes) delete next.view;
    history.pushState(null, "", HP.url(next));
    render();
  };

  HP.replaceState = function (changes) {
    const next = Object.assign({}, HP.state, changes);
    for (const k of Object.keys(next)) if (next[k] === undefined) delete next[k];
    HP.state = next;
    history.replaceState(null, "", HP.url(next));
  };

  function header(meta, state) {
    const tabs = el("nav", { class: "tabs" }, ...TABS.filter(([v]) => !HP.report || REPORT_TABS.includes(v)).map(([view, label]) =>
      el("a", { href: HP.url(Object.assign({}, state, { view })), class: view === state.view ? "active" : "", "data-view": view,
        onclick: (e) => { e.preventDefault(); HP.go({ view }); } }, label)));
    const controls = el("div", { class: "controls" });
    if (meta.snapshots.length > 1 && state.view !== "diff") {
      const snap = el("select", { "aria-label": "snapshot", "data-testid": "snapshot" });
      const current = Number(state.p ?? meta.snapshots.length - 1);
      meta.snapshots.forEach((s, i) => snap.append(el("option", { value: String(i), selected: i === current }, `snapshot ${i + 1} of ${meta.snapshots.length}: ${s.inuseText}`)));
      snap.addEventListener("change", () => HP.go({ p: snap.value }));
      controls.append(snap);
    }
    const types = HP.report ? (HP.report.sampleTypes || meta.sampleTypes) : meta.sampleTypes;
    if (types.length && !["maps", "growth"].includes(state.view)) {
      const si = el("select", { "aria-label": "sample type", "data-testid": "sample-index" });
      const current = state.si || meta.defaultSampleType;
      for (const t of types) si.append(el("option", { value: t, selected: t === current }, t));
      si.addEventListener("change", () => HP.go({ si: si.value }));
      controls.append(si);
    }
    if (!HP.report && !["maps", "growth"].includes(state.view)) {
      const fields = [["f", "focus"], ["i", "ignore"], ["h", "hide"], ["s", "show"]].map(([k, label]) =>
        el("input", { type: "text", name: k, value: state[k] || "", placeholder: label, title: label + " (regex, as pprof's -" + label + ")", "aria-label": label, size: 10 }));
      const g = el("select", { name: "g", "aria-label": "granularity" });
      for (const v of ["functions", "filefunctions", "files", "lines", "addresses"]) g.append(el("option", { value: v, selected: (state.g || "functions") === v }, v));
      const form = el("form", { class: "refine", onsubmit: (e) => {
        e.preventDefault();
        const changes = {};
        for (const f of fields) changes[f.name] = f.value || undefined;
        changes.g = g.value === "functions" ? undefined : g.value;
        HP.go(changes);
      } }, ...fields, g, el("button", { type: "submit" }, "apply"));
      controls.append(form);
    }
    const title = el("div", { class: "title" },
      el("span", { class: "logo" }, "heapprof"), " ", el("span", { class: "program" }, meta.program || ""),
      meta.live ? el("span", { class: "live", title: "new snapshots appear as they are taken" }, "● live") : null,
      meta.loading ? el("span", { class: "loading" }, `reading ${meta.loading} more snapshot${meta.loading === 1 ? "" : "s"}…`) : null);
    const notes = [];
    if (meta.merged) notes.push(el("div", { class: "merged-note", role: "note" }, meta.merged));
    const active = [["f", "focus"], ["i", "ignore"], ["h", "hide"], ["s", "show"]].filter(([k]) => state[k]);
    if (active.length && !HP.report) notes.push(el("div", { class: "filters" }, "Active filters: ", ...active.map(([k, l]) => el("code", {}, `${l}=${state[k]}`)), " ",
      el("a", { href: "#", onclick: (e) => { e.preventDefault(); HP.go({ f: undefined, i: undefined, h: undefined, s: undefined }); } }, "clear")));
    return el("header", {}, el("div", { class: "bar" }, title, tabs), controls, ...notes);
  }

  let rendering = 0;
  async function render() {
    const token = ++rendering;
    delete document.body.dataset.ready; // set again when this view is drawn
    HP.state = HP.readState();
    const meta = HP.report ? HP.report.views.meta : await HP.api("meta", {}, []).catch((e) => ({ error: e, snapshots: [], sampleTypes: [] }));
    HP.meta = meta;
    const main = el("main", { "aria-busy": "true" }, el("p", { class: "note" }, "loading…"));
    document.body.replaceChildren(header(meta, HP.state), main);
    if (meta.error) { main.replaceChildren(el("div", { class: "error" }, String(meta.error.message))); return; }
    const view = HP.views[HP.state.view] || HP.views.flamegraph;
    try {
      if (HP.flame) { HP.flame.destroy(); HP.flame = null; }
      await view(main, HP.state, meta);
    } catch (e) {
      if (token === rendering) main.replaceChildren(el("div", { class: "error", role: "alert" }, String(e.message || e)));
    }
    main.removeAttribute("aria-busy");
    document.body.dataset.ready = String(token);
  }
  HP.render = render;

  // A live series, or one still being read: when snapshots are added, the page follows
  // (the newest one, unless the user picked another).
  function poll(version) {
    setTimeout(async () => {
      try {
        const meta = await HP.api("meta", {}, []);
        if (meta.version !== version) {
          HP.meta = meta;
          await render();
        }
        if (meta.live || meta.loading) poll(meta.version);
      } catch (e) { poll(version); }
    }, 1000);
  }

  window.addEventListener("popstate", render);
  window.addEventListener("hashchange", () => { if (HP.report) render(); });
  document.addEventListener("DOMContentLoaded", async () => {
    try { HP.report = await HP.loadReport(); } catch (e) { document.body.textContent = "cannot read the report's data: " + e; return; }
    await render();
    if (!HP.report && HP.meta && (HP.meta.live || HP.meta.loading)) poll(HP.meta.version);
  });
})();
