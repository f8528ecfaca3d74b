/* darkfleet evidence pages: namespace, data sources, DOM and formatting helpers.
 *
 * The offline report registers its data with DF.put(key, value) from data/*.js files
 * (file:// pages cannot fetch); the live dashboard reads the same shapes from the JSON
 * API. Everything else is shared. Text from AIS (names, destinations) is untrusted: it is
 * only ever inserted with textContent, never as HTML.
 */
(function () {
  "use strict";
  var DF = (window.DF = window.DF || {});
  DF.data = DF.data || {};
  DF.put = function (key, value) { DF.data[key] = value; };

  /* h("tag.class", {attr: v}, child, ...): children are nodes or text. */
  DF.h = function (spec, attrs) {
    var parts = spec.split(".");
    var el = document.createElement(parts[0] || "div");
    if (parts.length > 1) el.className = parts.slice(1).join(" ");
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "style" && typeof v === "object") Object.assign(el.style, v);
      else if (k.slice(0, 2) === "on") el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? "" : String(v));
    });
    for (var i = 2; i < arguments.length; i++) DF.append(el, arguments[i]);
    return el;
  };
  DF.append = function (el, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { DF.append(el, c); }); return; }
    el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  };

  DF.fill = function (el) { /* replace el's children; null children are skipped */
    el.replaceChildren();
    DF.append(el, Array.prototype.slice.call(arguments, 1));
    return el;
  };

  DF.iso = function (t) { /* unix seconds or ISO text -> "2024-03-01 09:10Z" */
    var d = typeof t === "number" ? new Date(t * 1000) : new Date(t);
    if (isNaN(d.getTime())) return "—";
    return d.toISOString().slice(0, 16).replace("T", " ") + "Z";
  };
  DF.secs = function (iso) { return Date.parse(iso) / 1000; };
  DF.num = function (v, digits) {
    if (v === null || v === undefined || v === "") return "—";
    if (typeof v !== "number") return String(v);
    return v.toLocaleString("en-GB", { maximumFractionDigits: digits === undefined ? 2 : digits });
  };
  DF.kindLabel = function (kind) { return String(kind).replace(/_/g, " "); };
  DF.colour = function (kind) { return (DF.meta && DF.meta.kind_colours[kind]) || "#555"; };
  DF.latlon = function (lat, lon) {
    if (lat === null || lon === null || lat === undefined) return "—";
    return Math.abs(lat).toFixed(3) + "°" + (lat >= 0 ? "N" : "S") + " " +
      Math.abs(lon).toFixed(3) + "°" + (lon >= 0 ? "E" : "W");
  };

  /* Where pages and data live: the offline report (files) or the dashboard (API). */
  var body = document.body.dataset;
  DF.mode = body.mode || "static";
  DF.root = body.root || "";
  DF.link = {
    event: function (id) { return DF.mode === "static" ? DF.root + "events/" + id + ".html" : "#/event/" + id; },
    vessel: function (m) { return DF.mode === "static" ? DF.root + "vessels/" + m + ".html" : "#/vessel/" + m; },
    home: function () { return DF.mode === "static" ? DF.root + "index.html" : "#/"; },
  };

  function fromFiles(key) {
    var value = DF.data[key];
    return value ? Promise.resolve(value) : Promise.reject(new Error("not in this report: " + key));
  }

  DF.token = function () {
    var m = /(?:^|[#&?])token=([^&]+)/.exec(location.hash + location.search);
    if (m) sessionStorage.setItem("df-token", decodeURIComponent(m[1]));
    return sessionStorage.getItem("df-token");
  };

  DF.api = function (path) {
    var headers = {};
    var token = DF.token();
    if (token) headers.Authorization = "Bearer " + token;
    return fetch(path, { headers: headers }).then(function (r) {
      if (r.status === 401) throw new Error("This dashboard needs its access token: open it as /#token=YOUR_TOKEN");
      if (!r.ok) return r.json().then(function (j) { throw new Error(j.detail || r.statusText); });
      return r.json();
    });
  };

  DF.source = DF.mode === "static" ? {
    index: function () { return fromFiles("index"); },
    land: function () { return fromFiles("land"); },
    caseFile: function (id) { return fromFiles("event:" + id); },
    vessel: function (mmsi) { return fromFiles("vessel:" + mmsi); },
  } : {
    index: function () {
      return Promise.all([DF.api("api/stats"), DF.api("api/events?limit=100000"), DF.api("api/vessels?limit=100000")])
        .then(function (r) { return { meta: r[0], events: r[1].items, vessels: r[2].items, scope: null }; });
    },
    land: function () { return DF.api("api/land"); },
    caseFile: function (id) { return DF.api("api/cases/" + encodeURIComponent(id)); },
    vessel: function (mmsi) { return DF.api("api/vessels/" + encodeURIComponent(mmsi)); },
  };
})();
