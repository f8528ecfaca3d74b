/* darkfleet maps: Leaflet (SVG/Canvas, no WebGL) over the bundled Natural Earth land.
 * No online tiles unless the analyst switches the optional OpenStreetMap layer on. */
(function () {
  "use strict";
  var DF = window.DF;
  var h = DF.h;

  DF.baseMap = function (el, land) {
    var map = L.map(el, { worldCopyJump: true, zoomSnap: 0.25, minZoom: 1, maxZoom: 15 });
    var landLayer = L.geoJSON(land || { type: "FeatureCollection", features: [] }, {
      renderer: L.canvas({ padding: 0.5 }),
      interactive: false,
      style: { color: "#b9b29c", weight: 0.7, fillColor: "#efece3", fillOpacity: 1 },
    }).addTo(map);
    var online = L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
      maxZoom: 18, attribution: "© OpenStreetMap contributors",
    });
    L.control.layers({ "Natural Earth land (offline)": landLayer },
      { "OpenStreetMap tiles (online)": online }, { collapsed: true }).addTo(map);
    L.control.scale({ imperial: false }).addTo(map);
    map.attributionControl.setPrefix("Leaflet · Natural Earth");
    map.setView([20, 0], 2);
    return map;
  };

  function eventIcon(kind, size) {
    return L.divIcon({
      className: "df-ev df-ev-" + kind,
      iconSize: [size, size],
      html: "",
    });
  }

  function paintIcon(marker, kind) {
    marker.on("add", function () {
      var el = marker.getElement();
      if (el) { el.style.background = DF.colour(kind); el.dataset.eventId = marker.options.eventId; }
    });
  }

  DF.eventPopup = function (ev, names) {
    var other = ev.other_mmsi ? [" × ", vesselName(ev.other_mmsi, names)] : [];
    return h("div", {},
      h("strong", {}, DF.kindLabel(ev.kind)), h("br"),
      vesselName(ev.mmsi, names), other, h("br"),
      DF.iso(ev.start), " · ", DF.num(ev.duration_h, 1), " h · conf. ", DF.num(ev.confidence, 2), h("br"),
      h("a", { href: DF.link.event(ev.event_id) }, "Open case file →"));
  };

  function vesselName(mmsi, names) {
    var v = names && names[mmsi];
    return (v && v.name ? v.name + " " : "") + "(" + mmsi + ")";
  }

  /* Markers for events, clustered; returns {layer, set(events)}. */
  DF.eventLayer = function (map, names) {
    var layer = L.markerClusterGroup({
      showCoverageOnHover: false,
      maxClusterRadius: 42,
      spiderfyOnMaxZoom: true,
      animate: false,
      iconCreateFunction: function (cluster) {
        var n = cluster.getChildCount();
        var size = n < 10 ? 30 : n < 100 ? 36 : 44;
        return L.divIcon({ className: "df-cluster", iconSize: [size, size], html: "<span>" + n + "</span>" });
      },
    }).addTo(map);
    return {
      layer: layer,
      set: function (events) {
        layer.clearLayers();
        var markers = events.filter(function (e) { return e.lat !== null && e.lon !== null; })
          .map(function (ev) {
            var m = L.marker([ev.lat, ev.lon], { icon: eventIcon(ev.kind, 12), eventId: ev.event_id, title: DF.kindLabel(ev.kind) });
            paintIcon(m, ev.kind);
            m.bindPopup(function () { return DF.eventPopup(ev, names); });
            return m;
          });
        layer.addLayers(markers);
        return markers.length;
      },
    };
  };

  DF.fitEvents = function (map, events, bbox) {
    var pts = events.filter(function (e) { return e.lat !== null; }).map(function (e) { return [e.lat, e.lon]; });
    if (pts.length) map.fitBounds(L.latLngBounds(pts).pad(0.08), { maxZoom: 9 });
    else if (bbox) map.fitBounds([[bbox[1], bbox[0]], [bbox[3], bbox[2]]]);
  };

  /* Polyline pieces of a track, broken where fixes are more than `gap` seconds apart. */
  DF.trackPieces = function (track, gap, from, to) {
    var pieces = [], cur = [], prev = null, shift = 0;
    for (var i = 0; i < track.t.length; i++) {
      var t = track.t[i], lon = track.lon[i];
      if ((from !== undefined && t < from) || (to !== undefined && t > to)) continue;
      if (cur.length && t - track.t[i - 1] > gap) { pieces.push(cur); cur = []; }
      if (prev !== null && Math.abs(lon + shift - prev) > 180) shift += prev > lon + shift ? 360 : -360;
      prev = lon + shift; /* unwrapped across the antimeridian */
      cur.push([track.lat[i], prev]);
    }
    if (cur.length) pieces.push(cur);
    return pieces;
  };

  DF.VESSEL_COLOURS = ["#1f5fbf", "#c2410c"];

  /* Tracks of the vessels of a case or vessel page, the event window highlighted. */
  DF.drawTracks = function (map, vessels, window_) {
    var bounds = L.latLngBounds([]);
    vessels.forEach(function (v, i) {
      var colour = DF.VESSEL_COLOURS[i % 2];
      var cls = "df-track df-track-" + (i === 0 ? "a" : "b");
      DF.trackPieces(v.track, 3600).forEach(function (piece) {
        var line = L.polyline(piece, { color: colour, weight: 2.2, opacity: 0.85, className: cls }).addTo(map);
        bounds.extend(line.getBounds());
      });
      if (window_) {
        DF.trackPieces(v.track, 3600, window_[0], window_[1]).forEach(function (piece) {
          L.polyline(piece, { color: window_[2], weight: 9, opacity: 0.35, className: "df-track-event" }).addTo(map);
        });
      }
      endpoints(map, v.track, colour);
    });
    return bounds;
  };

  function endpoints(map, track, colour) {
    var n = track.t.length;
    if (!n) return;
    L.circleMarker([track.lat[0], track.lon[0]], { radius: 4, color: colour, fillColor: "#fff", fillOpacity: 1, weight: 2 })
      .bindTooltip("first fix " + DF.iso(track.t[0])).addTo(map);
    L.circleMarker([track.lat[n - 1], track.lon[n - 1]], { radius: 4, color: colour, fillColor: colour, fillOpacity: 1, weight: 2 })
      .bindTooltip("last fix " + DF.iso(track.t[n - 1])).addTo(map);
  }

  DF.legend = function (map, rows) {
    var ctl = L.control({ position: "bottomleft" });
    ctl.onAdd = function () {
      return h("div.df-legend", {}, rows.map(function (r) {
        return h("div", {}, h("i", { style: { background: r[1], height: r[2] || "4px" } }), r[0]);
      }));
    };
    ctl.addTo(map);
  };
})();
