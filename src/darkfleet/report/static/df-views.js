/* darkfleet pages: overview (map, filters, table), case file, vessel page. */
(function () {
  "use strict";
  var DF = window.DF;
  var h = DF.h;
  var views = (DF.views = {});
  var TABLE_ROWS = 1000;

  function card(title) {
    var args = Array.prototype.slice.call(arguments, 1);
    return h("section.df-card", {}, title ? h("h2", {}, title) : null, args);
  }

  function kindBadge(kind) {
    return h("span.df-badge", {}, h("span.df-swatch", { style: { background: DF.colour(kind) } }), DF.kindLabel(kind));
  }

  function confidence(v) {
    return h("span.df-conf", {}, DF.num(v, 2), h("span.df-conf-bar", {}, h("span", { style: { width: Math.round(v * 100) + "%" } })));
  }

  function vesselLink(mmsi, names) {
    if (mmsi === null || mmsi === undefined) return "—";
    var v = names[mmsi];
    return h("a", { href: DF.link.vessel(mmsi) }, v && v.name ? v.name : "MMSI " + mmsi, h("span.df-sub", {}, " " + mmsi));
  }

  function facts(pairs) {
    return h("dl.df-facts", {}, pairs.filter(function (p) { return p; }).map(function (p) {
      return h("div", {}, h("dt", {}, p[0]), h("dd", {}, p[1]));
    }));
  }

  DF.disclaimer = function (text) {
    return h("div.df-disclaimer", { role: "note" }, h("strong", {}, "Not a legal finding. "),
      String(text || "").replace(/^Not a legal finding:\s*(.)/, function (m, c) { return c.toUpperCase(); }));
  };

  /* ---------- events table (sortable) ---------- */
  var COLUMNS = [
    { key: "kind", label: "Kind", cell: function (e) { return h("a.df-open", { href: DF.link.event(e.event_id) }, kindBadge(e.kind)); } },
    { key: "start", label: "Start (UTC)", cell: function (e) { return DF.iso(e.start); } },
    { key: "duration_h", label: "Hours", num: true, cell: function (e) { return DF.num(e.duration_h, 1); } },
    { key: "mmsi", label: "Vessel", cell: function (e, n) { return vesselLink(e.mmsi, n); } },
    { key: "other_mmsi", label: "Other vessel", cell: function (e, n) { return vesselLink(e.other_mmsi, n); } },
    { key: "confidence", label: "Confidence", num: true, cell: function (e) { return confidence(e.confidence); } },
    { key: "lat", label: "Position", cell: function (e) { return DF.latlon(e.lat, e.lon); } },
    { key: "event_id", label: "Case file", cell: function (e) { return h("a.mono", { href: DF.link.event(e.event_id) }, e.event_id); } },
  ];

  DF.eventsTable = function (names) {
    var sort = { key: "start", dir: 1 };
    var rows = [];
    var head = h("tr", {}, COLUMNS.map(function (c) {
      return h("th", { class: c.num ? "num" : null, "data-key": c.key },
        h("button", { type: "button", onclick: function () { resort(c.key); } }, c.label));
    }));
    var tbody = h("tbody");
    var more = h("p.df-note");
    var table = h("table.df-table", { id: "events-table" }, h("thead", {}, head), tbody);
    function resort(key) {
      sort = { key: key, dir: sort.key === key ? -sort.dir : 1 };
      render();
    }
    function value(e, key) { var v = e[key]; return v === null || v === undefined ? -Infinity : v; }
    function render() {
      rows.sort(function (a, b) {
        var x = value(a, sort.key), y = value(b, sort.key);
        return (x < y ? -1 : x > y ? 1 : a.event_id < b.event_id ? -1 : 1) * sort.dir;
      });
      Array.prototype.forEach.call(head.children, function (th) {
        th.setAttribute("aria-sort", th.dataset.key === sort.key ? (sort.dir > 0 ? "ascending" : "descending") : "none");
      });
      tbody.replaceChildren.apply(tbody, rows.slice(0, TABLE_ROWS).map(function (e) {
        return h("tr", { "data-event-id": e.event_id }, COLUMNS.map(function (c) {
          return h("td", { class: c.num ? "num" : null }, c.cell(e, names));
        }));
      }));
      more.textContent = rows.length > TABLE_ROWS ? "Showing the first " + TABLE_ROWS + " of " + rows.length +
        " rows; narrow the filters to see the rest." : "";
    }
    return {
      el: h("div", {}, h("div.df-table-wrap", {}, table), more),
      set: function (events) { rows = events.slice(); render(); },
    };
  };

  /* ---------- overview ---------- */
  views.overview = function (main, index, land) {
    var names = DF.names(index);
    var events = index.events;
    var meta = index.meta;
    var state = { kinds: {}, from: null, to: null, min: 0 };
    var present = meta.kinds.filter(function (k) { return events.some(function (e) { return e.kind === k; }); });
    present.forEach(function (k) { state.kinds[k] = true; });

    var shown = h("p.df-shown", { id: "df-shown" });
    var filters = overviewFilters(present, events, meta, state, apply);
    var mapEl = h("div.df-map", { id: "overview-map" });
    var tbl = DF.eventsTable(names);
    DF.fill(main,
      h("div.df-title-row", {}, h("h1", {}, "Events"),
        h("span.df-sub", {}, DF.num(meta.events, 0) + " events · " + DF.num(meta.vessels, 0) + " vessels · " +
          DF.num(meta.positions, 0) + " positions")),
      index.scope ? h("p.df-note", {}, index.scope) : null,
      h("div.df-grid", {}, card("Filters", filters), card(null, shown, mapEl)),
      card("Events", tbl.el),
      DF.disclaimer(meta.disclaimer));
    var map = DF.baseMap(mapEl, land);
    var layer = DF.eventLayer(map, names);
    DF.fitEvents(map, events, meta.bbox);
    DF.overviewMap = map;
    function apply() {
      var from = state.from === null ? -Infinity : state.from, to = state.to === null ? Infinity : state.to;
      var list = events.filter(function (e) {
        return state.kinds[e.kind] && e.confidence >= state.min && DF.secs(e.end) >= from && DF.secs(e.start) < to;
      });
      var onMap = layer.set(list);
      tbl.set(list);
      shown.textContent = "Showing " + list.length + " of " + events.length + " events (" + onMap + " on the map)";
      main.dataset.shown = String(list.length);
    }
    apply();
  };

  function overviewFilters(present, events, meta, state, apply) {
    var boxes = present.map(function (k) {
      var n = events.filter(function (e) { return e.kind === k; }).length;
      return h("label", {}, h("input", { type: "checkbox", checked: true, name: "kind", value: k,
        onchange: function (ev) { state.kinds[k] = ev.target.checked; apply(); } }),
        h("span.df-swatch", { style: { background: DF.colour(k) } }), DF.kindLabel(k), h("span.df-count", {}, n));
    });
    var conf = h("output", {}, "0.00");
    var slider = h("input", { type: "range", min: 0, max: 1, step: 0.05, value: 0, name: "min_confidence",
      oninput: function (ev) { state.min = Number(ev.target.value); conf.textContent = state.min.toFixed(2); apply(); } });
    function time(name, initial, key) {
      return h("input", { type: "datetime-local", name: name, value: initial ? initial.slice(0, 16) : "",
        onchange: function (ev) { state[key] = ev.target.value ? DF.secs(ev.target.value + ":00Z") : null; apply(); } });
    }
    return h("form.df-filters", { onsubmit: function (ev) { ev.preventDefault(); } },
      h("fieldset", {}, h("legend", {}, "Kind"), boxes.length ? boxes : h("p.df-note", {}, "No events.")),
      h("fieldset", {}, h("legend", {}, "Time (UTC)"), "From", time("since", meta.start, "from"), "Until", time("until", meta.end, "to")),
      h("fieldset", {}, h("legend", {}, "Minimum confidence"), slider, conf));
  }

  DF.names = function (index) {
    var names = {};
    index.vessels.forEach(function (v) { names[v.mmsi] = v; });
    return names;
  };

  views.card = card;
  views.facts = facts;
  views.kindBadge = kindBadge;
  views.confidence = confidence;
  views.vesselLink = vesselLink;
})();
