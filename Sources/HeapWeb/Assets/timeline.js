// timeline.js: in-use memory per snapshot, in all (grey) and for the largest groups of the
// growth analysis (one line each); the leak suspects drawn thick and red. Clicking a
// snapshot selects it.
"use strict";

(function () {
  // The SVG namespace, from an element the HTML parser makes (no URL in the page's code).
  function namespace() {
    const box = document.createElement("div");
    box.innerHTML = "<svg></svg>";
    return box.firstChild.namespaceURI;
  }
  let NS = null;
  const PALETTE = ["#3b6ea8", "#4f9d69", "#b5892c", "#7a5ba6", "#5f7f8f", "#a0522d"];

  function svg(tag, attrs, ...children) {
    NS = NS || namespace();
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    for (const c of children) if (c) e.append(c);
    return e;
  }

  // growth: the /api/growth data; selected: the index of the shown snapshot.
  HP.timeline = function (growth, selected, onSelect) {
    const n = growth.totals.length;
    const width = 640, height = 150, left = 64, right = 16, top = 10, bottom = 24;
    const series = [{ name: "all in use", values: growth.totals, colour: "#8a8a8a", width: 2, total: true }];
    let k = 0;
    for (const g of growth.groups.slice(0, 5)) {
      series.push({
        name: g.name, values: g.inuse, suspect: g.suspect, width: g.suspect ? 3.5 : 1.5,
        colour: g.suspect ? "#d62728" : PALETTE[k++ % PALETTE.length],
      });
    }
    const max = Math.max(1, ...series.flatMap((s) => s.values));
    const x = (i) => left + (n <= 1 ? 0 : ((width - left - right) * i) / (n - 1));
    const y = (v) => top + (height - top - bottom) * (1 - v / max);
    const root = svg("svg", { class: "timeline", viewBox: `0 0 ${width} ${height}`, role: "img", "data-testid": "timeline" });
    root.append(svg("title", {}, document.createTextNode("In-use memory per snapshot")));
    for (let t = 0; t <= 4; t++) {
      const v = (max * t) / 4;
      root.append(svg("line", { x1: left, x2: width - right, y1: y(v), y2: y(v), class: "grid" }));
      root.append(svg("text", { x: left - 6, y: y(v) + 4, class: "axis", "text-anchor": "end" }, document.createTextNode(HP.formatValue(Math.round(v), "bytes"))));
    }
    for (let i = 0; i < n; i++) {
      const label = svg("text", { x: x(i), y: height - 10, class: "axis" + (i === selected ? " selected" : ""), "text-anchor": "middle" }, document.createTextNode("#" + (i + 1)));
      root.append(label);
      const hit = svg("rect", { x: x(i) - 14, y: top, width: 28, height: height - top - bottom, class: "snapshot-hit" + (i === selected ? " selected" : "") });
      hit.append(svg("title", {}, document.createTextNode((growth.labels || [])[i] || "snapshot " + (i + 1))));
      hit.addEventListener("click", () => onSelect && onSelect(i));
      root.append(hit);
    }
    series.forEach((s, si) => {
      const points = s.values.map((v, i) => `${x(i)},${y(v)}`).join(" ");
      root.append(svg("polyline", { points, fill: "none", stroke: s.colour, "stroke-width": s.width, class: "line" + (s.suspect ? " suspect" : ""), "data-name": s.name }));
      s.values.forEach((v, i) => root.append(svg("circle", { cx: x(i), cy: y(v), r: s.suspect ? 3.5 : 2.5, fill: s.colour })));
    });
    // The legend, as HTML: whole names, wrapped, next to the chart.
    const legend = HP.el("ul", { class: "timeline-legend" }, ...series.map((s) => HP.el("li", { class: s.suspect ? "suspect" : "", title: s.name },
      HP.el("span", { class: "line-key", style: `background:${s.colour}` }), (s.suspect ? "⚠ leak suspect: " : "") + s.name,
      HP.el("span", { class: "value" }, s.values.map((v) => HP.formatValue(v, "bytes")).join(" → ")))));
    return HP.el("div", { class: "timeline-box" }, root, legend);
  };
})();
