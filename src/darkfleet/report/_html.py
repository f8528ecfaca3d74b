"""The HTML shell of every page, for the offline report and the live dashboard alike.

A page is a header, an empty ``<main>`` that ``static/df-*.js`` fills in, and a footer
with the disclaimer. The page says what to draw in ``<body data-…>``: the mode (``static``
reads ``data/*.js`` files, ``live`` calls the JSON API), the page kind and its id, and
the relative path to the site root. A ``<noscript>`` block keeps the key facts readable
without JavaScript.

>>> "df-core.js" in page(PageSpec(title="t", page="overview"))
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

__all__ = ["SCRIPTS", "STYLES", "PageSpec", "page"]

STYLES = (
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet.markercluster/MarkerCluster.css",
    "df.css",
)
SCRIPTS = (
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet.markercluster/leaflet.markercluster.js",
    "df-charts.js",
    "df-map.js",
    "df-views.js",
    "df-case.js",
    "df-boot.js",
)


@dataclass(frozen=True)
class PageSpec:
    """What one page shows and where it finds its assets and data."""

    title: str
    page: str
    ident: str = ""
    root: str = ""
    mode: str = "static"
    static: str = "static/"
    data_scripts: tuple[str, ...] = ()
    noscript: str = ""
    subtitle: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def page(spec: PageSpec) -> str:
    """The full HTML document for ``spec``."""
    static = spec.root + spec.static if spec.mode == "static" else spec.static
    styles = "".join(f'<link rel="stylesheet" href="{static}{s}">' for s in STYLES)
    core = f'<script src="{static}df-core.js"></script>'
    data = "".join(f'<script src="{escape(spec.root + s)}"></script>' for s in spec.data_scripts)
    scripts = "".join(f'<script src="{static}{s}"></script>' for s in SCRIPTS)
    attrs = {"mode": spec.mode, "page": spec.page, "id": spec.ident, "root": spec.root}
    attrs.update(spec.extra)
    body_attrs = " ".join(f'data-{k}="{escape(v)}"' for k, v in attrs.items())
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>{escape(spec.title)}</title>{styles}</head>"
        f"<body {body_attrs}>{_header(spec)}"
        f'<main id="app"><noscript>{spec.noscript}</noscript></main>'
        '<footer id="df-footer"></footer>'
        f"{core}{data}{scripts}</body></html>\n"
    )


def _header(spec: PageSpec) -> str:
    home = f"{spec.root}index.html" if spec.mode == "static" else "#/"
    return (
        '<header class="df-header"><div class="df-brand">'
        f'<a href="{home}" class="df-logo" aria-label="Overview">'
        '<span class="df-logo-mark"></span>darkfleet</a>'
        '<span class="df-product">Evidence</span></div>'
        f'<div class="df-range" id="df-range">{escape(spec.subtitle)}</div></header>'
    )
