/* darkfleet timelines: small inline SVG line charts, no chart library.
 * DF.chart({title, unit, span: [t0, t1], band: [s, e, colour], series: [{name, colour, t, v, step}]}) */
(function () {
  "use strict";
  var DF = window.DF;
  var NS = "http://www.w3.org/2000/svg";
  var W = 640, H = 220, M = { l: 52, r: 14, t: 12, b: 30 };
  var GAP_S = 3600;

  function svg(tag, attrs, text) {
    var el = document.createElementNS(NS, tag);
    Object.keys(attrs || {}).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function niceStep(range, ticks) {
    var raw = range / Math.max(ticks, 1);
    var mag = Math.pow(10, Math.floor(Math.log10(raw || 1)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * mag >= raw) return steps[i] * mag;
    return 10 * mag;
  }

  function yDomain(series) {
    var lo = Infinity, hi = -Infinity;
    series.forEach(function (s) {
      s.v.forEach(function (v) { if (v !== null && isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } });
    });
    if (lo === Infinity) return [0, 1];
    lo = Math.min(lo, 0);
    if (hi === lo) hi = lo + 1;
    var step = niceStep(hi - lo, 4);
    return [Math.floor(lo / step) * step, Math.ceil(hi / step) * step, step];
  }

  function timeStep(span) {
    var hours = span / 3600;
    var options = [1, 2, 3, 6, 12, 24, 48, 168, 720];
    for (var i = 0; i < options.length; i++) if (hours / options[i] <= 7) return options[i] * 3600;
    return 2160 * 3600;
  }

  function pathOf(s, x, y, span) {
    var d = "", last = null, carry = null;
    for (var i = 0; i < s.t.length; i++) {
      var t = s.t[i], v = s.v[i];
      if (s.step && t < span[0] && v !== null) { carry = v; continue; } /* reported before the window */
      if (v === null || t < span[0] || t > span[1]) { last = null; continue; }
      if (carry !== null && last === null) { d += "M" + x(span[0]).toFixed(1) + "," + y(carry).toFixed(1); last = { t: span[0] }; carry = null; }
      var px = x(t).toFixed(1), py = y(v).toFixed(1);
      if (last === null || (!s.step && t - last.t > GAP_S)) d += "M" + px + "," + py;
      else if (s.step) d += "H" + px + "V" + py;
      else d += "L" + px + "," + py;
      last = { t: t };
    }
    if (s.step && carry !== null && last === null) d += "M" + x(span[0]).toFixed(1) + "," + y(carry).toFixed(1) + "H" + x(span[1]).toFixed(1);
    else if (s.step && last !== null) d += "H" + x(span[1]).toFixed(1);
    return d;
  }

  function axes(root, span, dom, x, y, unit) {
    var g = svg("g", { class: "df-axis" });
    for (var v = dom[0]; v <= dom[1] + 1e-9; v += dom[2]) {
      g.appendChild(svg("line", { class: "df-gridline", x1: M.l, x2: W - M.r, y1: y(v), y2: y(v) }));
      g.appendChild(svg("text", { x: M.l - 6, y: y(v) + 4, "text-anchor": "end" }, DF.num(v, 2)));
    }
    var step = timeStep(span[1] - span[0]);
    for (var t = Math.ceil(span[0] / step) * step; t <= span[1] && x(t) < W - 40; t += step) { /* room for the label */
      g.appendChild(svg("line", { x1: x(t), x2: x(t), y1: H - M.b, y2: H - M.b + 4 }));
      var label = step >= 86400 ? DF.iso(t).slice(5, 10) : DF.iso(t).slice(5, 16);
      g.appendChild(svg("text", { x: x(t), y: H - 9, "text-anchor": "middle" }, label));
    }
    g.appendChild(svg("path", { d: "M" + M.l + "," + (H - M.b) + "H" + (W - M.r), fill: "none" }));
    root.appendChild(g);
  }

  DF.chart = function (spec) {
    var span = spec.span, dom = yDomain(spec.series);
    var x = function (t) { return M.l + (t - span[0]) / (span[1] - span[0] || 1) * (W - M.l - M.r); };
    var y = function (v) { return H - M.b - (v - dom[0]) / (dom[1] - dom[0]) * (H - M.t - M.b); };
    var root = svg("svg", { viewBox: "0 0 " + W + " " + H, class: "df-chart", role: "img", "aria-label": spec.title });
    if (spec.band) {
      root.appendChild(svg("rect", { x: x(spec.band[0]), y: M.t, width: Math.max(2, x(spec.band[1]) - x(spec.band[0])),
        height: H - M.t - M.b, fill: spec.band[2], "fill-opacity": 0.13 }));
    }
    axes(root, span, dom, x, y, spec.unit);
    spec.series.forEach(function (s) {
      root.appendChild(svg("path", { d: pathOf(s, x, y, span), fill: "none", stroke: s.colour,
        "stroke-width": 1.8, "stroke-linejoin": "round", class: "df-series" }));
    });
    var legend = DF.h("div.df-chart-legend", {}, spec.series.map(function (s) {
      return [DF.h("i", { style: { background: s.colour } }), s.name];
    }));
    return DF.h("div.df-chart-box", {}, DF.h("div.df-chart-title", {}, spec.title + (spec.unit ? " (" + spec.unit + ")" : "")), root, legend);
  };
})();
