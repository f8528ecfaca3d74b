/* darkfleet pages: pick the page to draw (report: from <body data-page>; dashboard: from the
 * URL hash #/, #/event/<id>, #/vessel/<mmsi>) and draw it from DF.source. */
(function () {
  "use strict";
  var DF = window.DF;
  var h = DF.h;
  var main = document.getElementById("app");
  var cache = {};

  function once(key, load) {
    if (!cache[key]) cache[key] = load().catch(function (err) { delete cache[key]; throw err; });
    return cache[key];
  }

  function footer(meta) {
    var det = meta.detect || {};
    var el = document.getElementById("df-footer");
    var range = document.getElementById("df-range");
    if (range) range.textContent = "AIS data " + DF.iso(meta.start) + " – " + DF.iso(meta.end);
    el.replaceChildren(h("p", {}, meta.software + (det.params_digest ? " · parameters " + det.params_digest : "") +
      (det.run_at ? " · detection run " + det.run_at : "") + " · maps: Leaflet, Natural Earth (public domain)"));
  }

  function fail(err) {
    if (window.console) console.error("darkfleet:", err);
    main.replaceChildren(h("div.df-error", { role: "alert" }, "Could not load this page: ", String(err && err.message || err)));
  }

  function route() {
    if (DF.mode === "static") return { page: document.body.dataset.page, id: document.body.dataset.id };
    var m = /^#\/(event|vessel)\/([^/?&]+)/.exec(location.hash);
    return m ? { page: m[1], id: decodeURIComponent(m[2]) } : { page: "overview", id: "" };
  }

  function draw() {
    var r = route();
    var base = Promise.all([once("index", DF.source.index), once("land", DF.source.land)]);
    var extra = r.page === "event" ? DF.source.caseFile(r.id) : r.page === "vessel" ? DF.source.vessel(r.id) : Promise.resolve(null);
    return Promise.all([base, extra]).then(function (got) {
      var index = got[0][0], land = got[0][1], data = got[1];
      DF.meta = index.meta;
      footer(index.meta);
      if (r.page === "event") { document.title = DF.kindLabel(data.event.kind) + " " + r.id + " — darkfleet case file"; DF.views.caseFile(main, data, index, land); }
      else if (r.page === "vessel") { document.title = "MMSI " + r.id + " — darkfleet vessel"; DF.views.vessel(main, data, index, land); }
      else { document.title = "darkfleet evidence — overview"; DF.views.overview(main, index, land); }
      window.scrollTo(0, 0);
      document.body.dataset.ready = r.page;
    }).catch(fail);
  }

  if (DF.mode === "live") window.addEventListener("hashchange", function () { document.body.dataset.ready = ""; draw(); });
  draw();
})();
