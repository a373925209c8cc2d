// util.js: formatting, the URL state, and where view data comes from (the server's
// /api/ endpoints, or the data embedded in a report written by `heapprof html`).
"use strict";

const HP = window.HP || (window.HP = {});

// Values as pprof prints them: bytes in B/kB/MB/GB (powers of 1024), two decimals, a
// trailing ".00" dropped; counts as plain numbers.
HP.formatValue = function (v, unit) {
  if (unit !== "bytes") return String(v);
  const sign = v < 0 ? "-" : "";
  let a = Math.abs(v);
  const units = ["B", "kB", "MB", "GB", "TB"];
  let i = 0;
  while (a >= 1024 && i < units.length - 1) { a /= 1024; i++; }
  let s = i === 0 ? String(a) : a.toFixed(2);
  if (s.endsWith(".00")) s = s.slice(0, -3);
  return sign + s + units[i];
};

// Percentages as pprof prints them (Measurement.percentage): "100%" near 100, two
// decimals from 1%, two significant digits below.
HP.percent = function (v, total) {
  const r = total ? Math.abs(v / total) * 100 : 0;
  if (r >= 99.95 && r <= 100.05) return "100%";
  if (r >= 1) return r.toFixed(2) + "%";
  if (r === 0) return "0%";
  return Number(r.toPrecision(2)).toString() + "%";
};

HP.escape = function (s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
};

// A DOM element: HP.el("div", {class: "x", onclick: f}, child, "text", ...).
HP.el = function (tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "text") e.textContent = v;
    else if (k === "style") e.style.cssText = v; // CSSOM: allowed under a CSP without inline styles
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
};

// The view state, kept in the URL under pprof's names: si (sample index), f/i/h/s
// (focus, ignore, hide, show), g (granularity); heapprof's p (snapshot), b (base
// snapshot), inv (inverted), re (regex of peek/source), q (flame graph search).
HP.stateKeys = ["si", "f", "i", "h", "s", "g", "p", "b", "inv", "re", "q"];

HP.readState = function () {
  const params = new URLSearchParams(location.search);
  const state = {};
  for (const k of HP.stateKeys) if (params.has(k) && params.get(k) !== "") state[k] = params.get(k);
  let view = "flamegraph";
  if (HP.report) view = (location.hash || "#flamegraph").slice(1) || "flamegraph";
  else if (location.pathname.startsWith("/ui/")) view = location.pathname.slice(4) || "flamegraph";
  state.view = view;
  return state;
};

// The query string of a state, for the keys `keys` (default: all but q).
HP.query = function (state, keys) {
  const params = new URLSearchParams();
  for (const k of keys || HP.stateKeys) if (k !== "view" && state[k] !== undefined && state[k] !== "") params.set(k, state[k]);
  const s = params.toString();
  return s ? "?" + s : "";
};

// The URL of a state: /ui/VIEW?… on the server, ?…#VIEW in a report file.
HP.url = function (state) {
  if (HP.report) return HP.query(state) + "#" + state.view;
  return "/ui/" + state.view + HP.query(state);
};

const apiCache = new Map(); // url → { version, data }

// The data of an API view: fetched from the server, or taken from the report. Reports
// hold only some views; the others answer with a note.
HP.api = async function (name, state, keys) {
  if (HP.report) {
    // A report holds each view once, under its canonical query: the default sample type
    // and the newest snapshot are not written.
    const meta = HP.report.views.meta;
    const s = Object.assign({}, state);
    if (s.si === meta.defaultSampleType) delete s.si;
    if (s.p !== undefined && Number(s.p) === meta.snapshots.length - 1) delete s.p;
    if (s.inv !== "1") delete s.inv;
    const query = HP.query(s, keys);
    const data = HP.report.views[name + query];
    if (data === undefined) throw new Error("not in this report: " + name + query + " (heapprof web shows every view)");
    return data;
  }
  const url = "/api/" + name + HP.query(state, keys);
  // Views already seen are kept (parsed) for the series' current version: going back to
  // them costs no request and no parse. Never the meta, which says when the version changes.
  const version = name === "meta" || !HP.meta ? undefined : HP.meta.version;
  const hit = version === undefined ? undefined : apiCache.get(url);
  if (hit && hit.version === version) {
    apiCache.delete(url);
    apiCache.set(url, hit); // most recently used last
    return hit.data;
  }
  const response = await fetch(url, { cache: "no-store" });
  if (!response.ok) throw new Error((await response.text()).trim() || response.statusText);
  const data = await (name === "graph" ? response.text() : response.json());
  if (version !== undefined) {
    apiCache.set(url, { version, data });
    if (apiCache.size > 16) apiCache.delete(apiCache.keys().next().value);
  }
  return data;
};

// Reads the report's embedded data: gzip, base64, JSON (DecompressionStream: no request).
HP.loadReport = async function () {
  const node = document.getElementById("heapprof-data");
  if (!node) return null;
  const bytes = Uint8Array.from(atob(node.textContent.trim()), (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return JSON.parse(await new Response(stream).text());
};
