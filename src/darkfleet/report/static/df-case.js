/* darkfleet case file (one event) and vessel page. */
(function () {
  "use strict";
  var DF = window.DF;
  var h = DF.h;
  var V = DF.views;
  var SKIP_DETAILS = { seg_ids: 1, seg_ids_mmsi: 1, seg_ids_other: 1 };

  function name(v) { return (v.summary && v.summary.name) || (v.name) || "MMSI " + v.mmsi; }

  /* ---------- shared blocks ---------- */
  function identityTable(rows) {
    if (!rows || !rows.length) return h("p.df-note", {}, "No static (identity) reports in this window.");
    var cols = [["first_seen", "From"], ["last_seen", "To"], ["name", "Name"], ["callsign", "Call sign"],
      ["imo", "IMO"], ["ship_type_text", "Type"], ["flag", "Flag (MID)"], ["reports", "Reports"]];
    var body = rows.map(function (r, i) {
      var prev = i > 0 && rows[i - 1].mmsi === r.mmsi ? rows[i - 1] : null;
      return h("tr", {}, cols.map(function (c) {
        var v = r[c[0]];
        var text = c[0] === "first_seen" || c[0] === "last_seen" ? DF.iso(v) : v === null || v === undefined ? "—" : String(v);
        if (c[0] === "imo" && r.imo_valid === false) text += " (check digit wrong)";
        var changed = prev && ["name", "callsign", "imo", "ship_type_text"].indexOf(c[0]) >= 0 && prev[c[0]] !== v;
        return h("td", { class: changed ? "df-changed" : (c[0] === "imo" && r.imo_valid === false ? "df-bad" : null) }, text);
      }));
    });
    return h("table.df-table.df-identity", {}, h("thead", {}, h("tr", {}, cols.map(function (c) { return h("th", {}, c[1]); }))),
      h("tbody", {}, body));
  }

  function matchesBlock(matches, screened) {
    if (!screened || matches === null || matches === undefined)
      return h("p.df-note.df-not-screened", {}, "Not screened yet: run 'darkfleet screen' against sanctions lists to see matches here.");
    if (!matches.length) return h("p", {}, "No match on the lists screened.");
    var cols = [["list_name", "List"], ["list_date", "List date"], ["entry_name", "Entry"], ["match_type", "Match"],
      ["score", "Score"], ["programs", "Programmes"], ["explanation", "Why"]];
    return h("table.df-table.df-matches", {}, h("thead", {}, h("tr", {}, cols.map(function (c) { return h("th", {}, c[1]); }))),
      h("tbody", {}, matches.map(function (m) {
        return h("tr", {}, cols.map(function (c) { return h("td", {}, c[0] === "score" ? DF.num(m.score, 2) : m[c[0]] || "—"); }));
      })));
  }

  function riskBlock(risk, assessed) {
    if (!assessed) return h("p.df-note.df-not-assessed", {}, "Not assessed yet: risk scores appear here once 'darkfleet.assess' has run.");
    if (!risk || !risk.score) return h("p", {}, "No risk indicators for this vessel.");
    var reasons = risk.reasons || [];
    if (typeof reasons === "string") { try { reasons = JSON.parse(reasons); } catch (e) { reasons = [reasons]; } }
    return h("div", {}, h("p", {}, "Risk score ", h("strong", {}, DF.num(risk.score, 1)),
      risk.band ? h("span.df-badge.df-band-" + risk.band, { style: { marginLeft: "8px" } }, risk.band) : null),
      h("ul", {}, reasons.map(function (r) { return h("li", {}, typeof r === "string" ? r : JSON.stringify(r)); })));
  }

  function chartsFor(vessels, span, band, distance) {
    var out = [];
    if (distance && distance.t.length) {
      out.push(DF.chart({ title: "Distance between the vessels", unit: "km", span: span, band: band,
        series: [{ name: "distance", colour: "#0f2340", t: distance.t, v: distance.km }] }));
    }
    out.push(DF.chart({ title: "Speed over ground", unit: "kn", span: span, band: band,
      series: vessels.map(function (v, i) { return { name: name(v), colour: DF.VESSEL_COLOURS[i % 2], t: v.track.t, v: v.track.sog }; }) }));
    out.push(DF.chart({ title: "Reported draught", unit: "m", span: span, band: band,
      series: vessels.map(function (v, i) { return { name: name(v), colour: DF.VESSEL_COLOURS[i % 2], t: v.draught.t, v: v.draught.m, step: true }; }) }));
    return out;
  }

  function detailsTable(details) {
    var keys = Object.keys(details || {}).filter(function (k) { return !SKIP_DETAILS[k]; });
    if (!keys.length) return h("p.df-note", {}, "No further details.");
    return h("dl.df-kv", {}, keys.map(function (k) {
      var v = details[k];
      return [h("dt", {}, k.replace(/_/g, " ")), h("dd.mono", {}, typeof v === "object" ? JSON.stringify(v) : DF.num(v, 3))];
    }));
  }

  function provenance(meta, kind) {
    if (!meta) return h("p.df-note", {}, "No detection record in this store (meta/detect.json is missing).");
    var params = meta.params || {};
    var inputs = meta.inputs || [];
    return h("div", {},
      h("dl.df-kv", {},
        h("dt", {}, "Software"), h("dd", {}, meta.software || "—"),
        h("dt", {}, "Detection run"), h("dd", {}, meta.run_at || "—"),
        h("dt", {}, "Parameters digest"), h("dd.mono", {}, meta.params_digest || "—"),
        h("dt", {}, "Kinds detected"), h("dd", {}, (meta.kinds || []).join(", ")),
        h("dt", {}, "Window"), h("dd", {}, (meta.since || "start") + " – " + (meta.until || "end") + (meta.bbox ? " · bbox " + meta.bbox : ""))),
      h("h3", {}, "Input files"),
      h("table.df-table.df-inputs", {}, h("thead", {}, h("tr", {}, h("th", {}, "File"), h("th", {}, "SHA-256"))),
        h("tbody", {}, inputs.map(function (f) { return h("tr", {}, h("td", {}, f.path), h("td.mono", {}, f.sha256)); }))),
      kind && params[kind] ? h("details.df-params", { open: true }, h("summary", {}, "Parameters of the " + DF.kindLabel(kind) + " detector"),
        h("pre", {}, JSON.stringify(params[kind], null, 1))) : null,
      h("details.df-params", {}, h("summary", {}, "All parameters"), h("pre", {}, JSON.stringify(params, null, 1))));
  }

  function volumeBlock(c) {
    if (!c.volume_available) return h("p.df-note", {}, "Not assessed: the volume model (darkfleet.assess) is not available.");
    var v = c.volume;
    if (!v) return h("p.df-note", {}, "No volume estimate for this event (only transfers between vessels get one).");
    if (v.mid_bbl === null) return h("p.df-note", {}, "No estimate: neither draught evidence nor vessel dimensions are known.");
    return h("div", {},
      V.facts([["Method", v.method], ["Low", DF.num(v.low_bbl, 0) + " bbl"], ["Central", DF.num(v.mid_bbl, 0) + " bbl"],
        ["High", DF.num(v.high_bbl, 0) + " bbl"], ["Tonnes (central)", DF.num(v.mid_t, 0) + " t"]]),
      h("ul", {}, (v.evidence || []).map(function (e) { return h("li", {}, e); })));
  }

  /* ---------- case file ---------- */
  V.caseFile = function (main, c, index, land) {
    var ev = c.event, names = DF.names(index);
    var span = [DF.secs(c.window.since), DF.secs(c.window.until)];
    var band = [DF.secs(ev.start), DF.secs(ev.end), DF.colour(ev.kind)];
    var who = c.vessels.map(function (v) { return name(v); }).join(" × ");
    var mapEl = h("div.df-map.df-map-small", { id: "case-map" });
    var d = ev.details || {};
    DF.fill(main,
      h("div.df-title-row", {}, V.kindBadge(ev.kind), h("h1", {}, DF.kindLabel(ev.kind)[0].toUpperCase() + DF.kindLabel(ev.kind).slice(1) + ": " + who),
        h("span.df-sub.mono", {}, "case " + ev.event_id)),
      V.card("Finding", V.facts([
        ["Start (UTC)", DF.iso(ev.start)], ["End (UTC)", DF.iso(ev.end)], ["Duration", DF.num(ev.duration_h, 1) + " h"],
        ["Position", DF.latlon(ev.lat, ev.lon)], ["Confidence", V.confidence(ev.confidence)],
        ["Vessel", V.vesselLink(ev.mmsi, names)], ev.other_mmsi ? ["Other vessel", V.vesselLink(ev.other_mmsi, names)] : null,
        d.median_distance_km !== undefined ? ["Median distance", DF.num(d.median_distance_km, 3) + " km"] : null,
        d.distance_from_port_km !== undefined ? ["From nearest port", DF.num(d.distance_from_port_km, 1) + " km"] : null,
        d.distance_from_shore_km !== undefined ? ["From shore", DF.num(d.distance_from_shore_km, 1) + " km"] : null])),
      DF.disclaimer(c.disclaimer),
      V.card("Tracks ±12 h", mapEl),
      V.card("Timelines", h("div.df-charts", {}, chartsFor(c.vessels, span, band, c.distance))),
      c.vessels.map(function (v, i) {
        return V.card("Vessel " + (i + 1) + ": " + name(v) + " (" + v.mmsi + ")",
          h("h3", {}, "Identity history"), identityTable(v.identity),
          h("h3", {}, "Sanctions matches"), matchesBlock(v.matches, c.screened),
          h("h3", {}, "Risk"), riskBlock(v.risk, c.assessed));
      }),
      V.card("Volume estimate", volumeBlock(c)),
      V.card("Event details", detailsTable(d)),
      V.card("Reproducing this finding", provenance(c.provenance, ev.kind)));
    var map = DF.baseMap(mapEl, land);
    var bounds = DF.drawTracks(map, c.vessels, band);
    if (ev.lat !== null) {
      L.marker([ev.lat, ev.lon], { icon: L.divIcon({ className: "df-ev-focus", iconSize: [22, 22] }), title: "event position" })
        .bindPopup(DF.eventPopup(ev, names)).addTo(map);
      bounds.extend([ev.lat, ev.lon]);
    }
    if (bounds.isValid()) map.fitBounds(bounds.pad(0.1), { maxZoom: 12 });
    DF.legend(map, c.vessels.map(function (v, i) { return [name(v), DF.VESSEL_COLOURS[i % 2]]; })
      .concat([["during the event", DF.colour(ev.kind), "8px"]]));
  };

  /* ---------- vessel page ---------- */
  V.vessel = function (main, p, index, land) {
    var v = p.vessel, names = DF.names(index);
    var t = p.track.t;
    var span = t.length ? [t[0], t[t.length - 1]] : [DF.secs(index.meta.start), DF.secs(index.meta.end)];
    var mapEl = h("div.df-map.df-map-small", { id: "vessel-map" });
    var tbl = DF.eventsTable(names);
    var self = { mmsi: v.mmsi, summary: v, track: p.track, draught: p.draught };
    DF.fill(main,
      h("div.df-title-row", {}, h("h1", {}, (v.name || "Unnamed vessel") + " · MMSI " + v.mmsi),
        h("span.df-badge", {}, "flag " + (v.flag || "unknown"))),
      V.card("Identity", V.facts([["IMO", v.imo || "—"], ["Call sign", v.callsign || "—"], ["Ship type", v.ship_type_text || (v.ship_type === null ? "—" : String(v.ship_type))],
        ["Length", v.length_m ? DF.num(v.length_m, 0) + " m" : "—"], ["Names used", String(v.names)],
        ["Events", String(v.events)], ["Sanctions matches", v.matches === null ? "not screened" : String(v.matches)],
        ["Risk score", v.risk_score === null || v.risk_score === undefined ? "not assessed" : DF.num(v.risk_score, 1)]])),
      DF.disclaimer(p.disclaimer),
      V.card("Track", mapEl),
      V.card("Timelines", h("div.df-charts", {}, chartsFor([self], span, null, null))),
      V.card("Events", tbl.el),
      V.card("Identity history", identityTable(p.identity)),
      h("div.df-two", {}, V.card("Sanctions matches", matchesBlock(p.matches, p.screened)), V.card("Risk", riskBlock(p.risk, p.assessed))));
    tbl.set(p.events);
    var map = DF.baseMap(mapEl, land);
    var bounds = DF.drawTracks(map, [self], null);
    p.events.forEach(function (e) {
      if (e.lat === null) return;
      L.circleMarker([e.lat, e.lon], { radius: 6, color: "#0f2340", weight: 1.5, fillColor: DF.colour(e.kind), fillOpacity: 0.95,
        className: "df-vessel-event" }).bindPopup(DF.eventPopup(e, names)).addTo(map);
      bounds.extend([e.lat, e.lon]);
    });
    if (bounds.isValid()) map.fitBounds(bounds.pad(0.1), { maxZoom: 11 });
  };
})();
