// flame.js: the flame graph (icicle: the root on top), drawn on a canvas so that large
// profiles stay fluid. Click a frame to zoom into it (click the root, or a frame above the
// zoomed one, to zoom out); hover for the full name and values; search highlights and
// sums the matching frames. Map code and map owners are drawn in their own colour, with a
// badge, so that the map that keeps memory alive is seen next to what allocated it.
"use strict";

(function () {
  const ROW = 18;
  // Frame kinds as the server sends them (WebViews.FrameKind).
  const PROGRAM = 0, LIBRARY = 1, MAP_CODE = 2, MAP_OWNER = 3;
  const KIND_LABEL = { 2: "map storage code", 3: "owns a map: its storage and entries are kept by it" };

  function hash(s) {
    let h = 2166136261;
    for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 16777619); }
    return (h >>> 0) / 4294967296;
  }

  function colour(kind, name, node, diff, kept) {
    if (diff) {
      const r = node.width ? node.value / node.width : 0;
      const t = Math.min(1, Math.abs(r) * 0.8 + 0.2);
      if (node.value > 0) return `hsl(0, ${45 + 35 * t}%, ${86 - 22 * t}%)`;
      if (node.value < 0) return `hsl(130, ${35 + 35 * t}%, ${84 - 22 * t}%)`;
      return "hsl(0, 0%, 86%)";
    }
    const j = hash(name);
    if (kept && (kind === PROGRAM || kind === LIBRARY)) return `hsl(${292 + 12 * j}, ${38 + 12 * j}%, ${74 + 6 * j}%)`;
    switch (kind) {
      case MAP_OWNER: return `hsl(${275 + 10 * j}, 60%, ${58 + 6 * j}%)`;
      case MAP_CODE: return `hsl(${265 + 10 * j}, 45%, ${72 + 6 * j}%)`;
      case LIBRARY: return `hsl(${200 + 20 * j}, 25%, ${76 + 8 * j}%)`;
      default: return `hsl(${18 + 24 * j}, ${75 + 15 * j}%, ${60 + 8 * j}%)`;
    }
  }

  class Flame {
    // data: {names, kinds, nodes: [name, depth, width, value, self]*, total, unit, diff}
    constructor(container, data, options) {
      this.container = container;
      this.data = data;
      this.options = options || {};
      this.unit = data.unit;
      this.total = data.unfilteredTotal || data.total;
      const n = data.nodes.length / 5;
      this.count = n;
      // Layout: x of every node in the root's coordinates (preorder: children start at
      // their parent's x and follow each other).
      this.x = new Float64Array(n);
      this.parent = new Int32Array(n);
      this.end = new Int32Array(n); // one past the last node of the subtree
      const cursor = [0], stack = [];
      let maxDepth = 0;
      for (let i = 0; i < n; i++) {
        const d = data.nodes[5 * i + 1];
        while (stack.length > d) this.end[stack.pop()] = i;
        this.parent[i] = d === 0 ? -1 : stack[d - 1];
        this.x[i] = cursor[d] || 0;
        cursor[d] = this.x[i] + data.nodes[5 * i + 2];
        cursor[d + 1] = this.x[i];
        stack.push(i);
        if (d > maxDepth) maxDepth = d;
      }
      while (stack.length) this.end[stack.pop()] = n;
      this.maxDepth = maxDepth;
      // Entries a map keeps alive: the subtree below each [node, map] pair of `kept`.
      this.keptBy = new Int32Array(n).fill(-1);
      this.anchorOf = new Int32Array(n).fill(-1);
      const kept = data.kept || [];
      for (let k = 0; k < kept.length; k += 2) {
        const a = kept[k], m = kept[k + 1];
        this.anchorOf[a] = m;
        for (let i = a + 1; i < this.end[a]; i++) if (this.keptBy[i] < 0) this.keptBy[i] = m;
      }
      this.zoom = 0;
      this.matches = null;
      this.canvas = HP.el("canvas", { class: "flame-canvas", "data-testid": "flame" });
      this.tip = HP.el("div", { class: "tip", hidden: true });
      container.replaceChildren(this.canvas, this.tip);
      this.canvas.addEventListener("mousemove", (e) => this.hover(e));
      this.canvas.addEventListener("mouseleave", () => { this.tip.hidden = true; });
      this.canvas.addEventListener("click", (e) => {
        const i = this.at(e);
        if (i >= 0) this.zoomTo(i === this.zoom ? this.parent[i] : i);
      });
      this.resize = () => this.draw();
      window.addEventListener("resize", this.resize);
      this.draw();
    }

    node(i) {
      const a = this.data.nodes;
      return { name: this.data.names[a[5 * i]], kind: this.data.kinds[a[5 * i]], depth: a[5 * i + 1], width: a[5 * i + 2], value: a[5 * i + 3], self: a[5 * i + 4] };
    }

    // The visible part: the zoomed node's range, ancestors drawn across the full width.
    range() {
      const z = Math.max(0, this.zoom);
      return { z, x0: this.x[z], w: this.data.nodes[5 * z + 2] || 1 };
    }

    zoomTo(i) {
      this.zoom = Math.max(0, i);
      this.draw();
      if (this.options.onZoom) this.options.onZoom(this.node(this.zoom));
    }

    search(text) {
      this.matches = null;
      let sum = 0, count = 0;
      if (text) {
        let re;
        try { re = new RegExp(text, "i"); } catch (e) { re = new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "i"); }
        this.matches = new Uint8Array(this.count);
        // A match inside a matching frame is counted once (its ancestor holds it already).
        const counted = new Uint8Array(this.count);
        for (let i = 1; i < this.count; i++) {
          const name = this.data.names[this.data.nodes[5 * i]];
          if (!re.test(name)) continue;
          this.matches[i] = 1;
          count++;
          let p = this.parent[i], inside = false;
          while (p > 0) { if (counted[p]) { inside = true; break; } p = this.parent[p]; }
          if (!inside) { counted[i] = 1; sum += this.data.nodes[5 * i + 3]; }
        }
      }
      this.draw();
      return { count, sum };
    }

    draw() {
      const ratio = window.devicePixelRatio || 1;
      const width = Math.max(200, this.container.clientWidth);
      const height = (this.maxDepth + 1) * ROW + 2;
      this.canvas.width = width * ratio;
      this.canvas.height = height * ratio;
      this.canvas.style.width = width + "px";
      this.canvas.style.height = height + "px";
      const g = this.canvas.getContext("2d");
      g.setTransform(ratio, 0, 0, ratio, 0, 0);
      g.clearRect(0, 0, width, height);
      g.font = "12px system-ui, sans-serif";
      g.textBaseline = "middle";
      const { z, x0, w } = this.range();
      const scale = width / w;
      const zDepth = this.data.nodes[5 * z + 1];
      this.layout = [];
      for (let i = 0; i < this.count; i++) {
        const depth = this.data.nodes[5 * i + 1];
        let px, pw;
        if (depth < zDepth) {
          // An ancestor of the zoomed frame? Then full width.
          let a = this.parent[z], isAncestor = false;
          while (a >= 0) { if (a === i) { isAncestor = true; break; } a = this.parent[a]; }
          if (!isAncestor) continue;
          px = 0; pw = width;
        } else {
          if (i < z || i >= this.end[z]) continue; // outside the zoomed subtree
          px = (this.x[i] - x0) * scale;
          pw = this.data.nodes[5 * i + 2] * scale;
        }
        if (pw < 0.5) continue;
        const n = this.node(i);
        const y = depth * ROW;
        const keptBy = this.keptBy[i];
        let fill = colour(n.kind, n.name, n, this.data.diff, keptBy >= 0);
        const dim = this.matches && !this.matches[i];
        g.globalAlpha = dim ? 0.35 : 1;
        g.fillStyle = this.matches && this.matches[i] ? "#ffd400" : fill;
        g.fillRect(px, y, Math.max(pw - 0.6, 0.4), ROW - 1);
        if (n.kind === MAP_OWNER && !this.data.diff) {
          g.strokeStyle = "#4b0082";
          g.lineWidth = 1.5;
          g.strokeRect(px + 0.75, y + 0.75, Math.max(pw - 2.1, 0.4), ROW - 2.5);
        }
        if (pw > 24) {
          const badge = n.kind === MAP_OWNER ? "⬢ " : n.kind === MAP_CODE ? "◆ " : this.anchorOf[i] >= 0 ? "⬡ " : "";
          let label = badge + (i === 0 ? "all (" + HP.formatValue(n.width, this.unit) + ")" : n.name);
          const room = Math.floor((pw - 6) / 6.5);
          if (label.length > room) label = room > 1 ? label.slice(0, room - 1) + "…" : "";
          g.fillStyle = "#111";
          g.fillText(label, px + 3, y + ROW / 2);
        }
        this.layout.push({ i, px, pw, depth });
        g.globalAlpha = 1;
      }
    }

    at(e) {
      const r = this.canvas.getBoundingClientRect();
      const mx = e.clientX - r.left, my = e.clientY - r.top;
      const depth = Math.floor(my / ROW);
      for (const f of this.layout) if (f.depth === depth && mx >= f.px && mx < f.px + f.pw) return f.i;
      return -1;
    }

    hover(e) {
      const i = this.at(e);
      if (i < 0) { this.tip.hidden = true; this.canvas.style.cursor = "default"; return; }
      const n = this.node(i);
      this.canvas.style.cursor = "pointer";
      const value = this.data.diff ? (n.value >= 0 ? "+" : "") + HP.formatValue(n.value, this.unit) : HP.formatValue(n.value, this.unit);
      this.tip.replaceChildren(
        HP.el("div", { class: "tip-name" }, i === 0 ? "all stacks" : n.name),
        HP.el("div", {}, value + " (" + HP.percent(n.value, this.total) + " of the total)"),
        n.self ? HP.el("div", {}, "self: " + HP.formatValue(n.self, this.unit)) : null,
        KIND_LABEL[n.kind] ? HP.el("div", { class: "tip-kind" }, KIND_LABEL[n.kind]) : null,
        this.keptBy[i] >= 0 ? HP.el("div", { class: "tip-kind" }, "kept alive by " + this.data.maps[this.keptBy[i]] + " (an entry of that map: see Maps)") : null,
        this.anchorOf[i] >= 0 ? HP.el("div", { class: "tip-kind" }, "what it allocates below is kept by " + this.data.maps[this.anchorOf[i]]) : null,
        HP.el("div", { class: "tip-hint" }, i === this.zoom ? "click to zoom out" : "click to zoom in")
      );
      this.tip.hidden = false;
      const r = this.container.getBoundingClientRect();
      let left = e.clientX - r.left + 14;
      if (left + 380 > r.width) left = Math.max(0, e.clientX - r.left - 390);
      this.tip.style.left = left + "px";
      this.tip.style.top = e.clientY - r.top + 16 + "px";
    }

    // For tests and scripts: the frames drawn now, with their pixel extent.
    frames() {
      return this.layout.map((f) => Object.assign(this.node(f.i), {
        index: f.i, px: f.px, pw: f.pw, keptBy: this.keptBy[f.i] >= 0 ? this.data.maps[this.keptBy[f.i]] : null,
        matched: !!(this.matches && this.matches[f.i]),
      }));
    }

    destroy() { window.removeEventListener("resize", this.resize); }
  }

  HP.Flame = Flame;
})();
