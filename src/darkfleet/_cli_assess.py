"""Commands over the assessment: ``vessels``, ``cap`` and ``network``.

Every output carries the "not a legal finding" disclaimer and the sanctions lists'
dates: as ``#`` comment lines above a CSV (read it with ``comment_prefix="#"``), as
keys of a JSON object, as graph attributes in GraphML, under a table on screen.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer

from darkfleet._cli_common import JsonOpt, StoreOpt, err, print_json, store_path, table
from darkfleet._cli_common import out as console
from darkfleet.errors import ConfigError
from darkfleet.store import Store

__all__ = ["cap", "network", "print_ledger", "vessels"]

OutOpt = Annotated[Path | None, typer.Option("--out", help="Write here instead of stdout.")]
_VESSEL_FORMATS = ("csv", "json")
_NETWORK_FORMATS = ("graphml", "json")


def vessels(
    store: StoreOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
    out: OutOpt = None,
    weights: Annotated[
        Path | None, typer.Option("--weights", help="TOML file of risk weights (see README).")
    ] = None,
) -> None:
    """One row per vessel: identity, events, sanctions matches, risk score and reasons."""
    from darkfleet.assess import assess_vessels, load_weights

    _check_format(fmt, _VESSEL_FORMATS)
    st = Store(store_path(store))
    identities, events, matches = _inputs(st)
    frame = assess_vessels(identities, events, matches, load_weights(weights), _places())
    header = _header(st, matches)
    text = _vessels_csv(frame, header) if fmt == "csv" else _vessels_json(frame, header)
    _emit(text, out, f"Wrote {frame.height:,} vessels to {out}")


def cap(
    store: StoreOpt = None,
    year: Annotated[
        int | None, typer.Option("--year", help="Calendar year of the ledger (UTC); required.")
    ] = None,
    cap_bbl: Annotated[
        float, typer.Option("--cap", help="Cap in barrels a year (UNSCR 2397: 500,000).")
    ] = 500_000.0,
    reported: Annotated[
        Path | None,
        typer.Option("--reported", help="CSV month,bbl,source of officially reported deliveries."),
    ] = None,
    all_transfers: Annotated[
        bool, typer.Option("--all-transfers", help="Count every transfer, not only DPRK-linked.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Estimated transfers of the year against the cap, month by month (not a legal finding)."""
    from darkfleet.assess import CapParams, cap_ledger, read_reported, vessel_dimensions

    if year is None:
        raise ConfigError("--year is required, e.g. --year 2024")
    if not 1900 < year < 2200:
        raise ConfigError(f"--year {year}: not a plausible year")
    params = CapParams(cap_bbl=cap_bbl, all_transfers=all_transfers)
    st = Store(store_path(store))
    info = st.info()
    ledger = cap_ledger(
        st.read("events"),
        vessel_dimensions(st.read("static")),
        st.read("matches"),
        year,
        params,
        read_reported(reported) if reported else None,
        _places(),
        (info.start, info.end),
    )
    if as_json:
        print_json(ledger.as_dict())
        return
    print_ledger(ledger.as_dict(), year)


def network(
    store: StoreOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="graphml or json.")] = "graphml",
    out: OutOpt = None,
    hops: Annotated[
        int, typer.Option("--hops", help="Search this many meetings deep for exposure.")
    ] = 3,
) -> None:
    """Who met whom, with each vessel's hops to sanctioned and DPRK-flagged vessels."""
    from darkfleet.assess import exposure, meeting_graph, to_graphml, to_json

    _check_format(fmt, _NETWORK_FORMATS)
    if hops < 1:
        raise ConfigError(f"--hops {hops}: must be at least 1")
    st = Store(store_path(store))
    identities, events, matches = _inputs(st)
    graph = meeting_graph(events, identities, matches)
    exposed = exposure(graph, matches, hops)
    attrs = {**_header(st, matches), "max_hops": hops}
    if fmt == "graphml":
        text = to_graphml(graph, exposed, attrs)
    else:
        text = json.dumps(to_json(graph, exposed, attrs), indent=2, default=str) + "\n"
    _emit(text, out, f"Wrote {graph.nodes.height:,} vessels, {graph.edges.height:,} links to {out}")


def _check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        raise ConfigError(f"--format {fmt!r}: choose one of {', '.join(allowed)}")


def _inputs(st: Store) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Identities (of segmented positions, so ``segments`` is counted), events, matches."""
    from darkfleet.detect.segment import segment
    from darkfleet.screen import vessel_identities

    identities = vessel_identities(segment(st.read("positions")), st.read("static"))
    return identities, st.read("events"), st.read("matches")


def _places() -> Any:
    from darkfleet.places import Places

    return Places.bundled()


def _header(st: Store, matches: pl.DataFrame) -> dict[str, Any]:
    from darkfleet.assess import disclaimer, list_dates

    info = st.info()
    return {"disclaimer": disclaimer((info.start, info.end)), "list_dates": list_dates(matches)}


def _emit(text: str, out: Path | None, message: str) -> None:
    if out is None:
        sys.stdout.write(text)
        return
    out.write_text(text, encoding="utf-8")
    err.print(message)


def _iso_columns(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.col(pl.Datetime).dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def _vessels_csv(frame: pl.DataFrame, header: dict[str, Any]) -> str:
    flat = _iso_columns(frame).with_columns(pl.col("reasons").list.join("; "))
    lists = "; ".join(f"{n} {d or 'undated'}" for n, d in header["list_dates"].items())
    buffer = io.StringIO()
    buffer.write(f"# {header['disclaimer']}\n# sanctions lists: {lists or 'none screened'}\n")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(flat.columns)
    writer.writerows(flat.iter_rows())
    return buffer.getvalue()


def _vessels_json(frame: pl.DataFrame, header: dict[str, Any]) -> str:
    body = {**header, "vessels": _iso_columns(frame).to_dicts()}
    return json.dumps(body, indent=2, default=str) + "\n"


def print_ledger(ledger: dict[str, Any], year: int) -> None:
    rows = [
        [
            m["month"],
            f"{m['estimated_mid_bbl']:,.0f}",
            f"{m['reported_bbl']:,.0f}",
            f"{m['cumulative_bbl']:,.0f}",
        ]
        for m in ledger["by_month"]
    ]
    title = (
        f"Cap ledger {year}: {ledger['transfers']:,} transfers, cap {ledger['cap_bbl']:,.0f} bbl"
    )
    console.print(table(title, ["month", "estimated (mid)", "reported", "cumulative"], rows))
    est = ledger["estimated_bbl"]
    console.print(
        f"Estimated {est['low']:,.0f} - {est['mid']:,.0f} - {est['high']:,.0f} bbl "
        f"(low - mid - high); reported {ledger['reported_bbl']:,.0f} bbl."
    )
    console.print(ledger["disclaimer"], markup=False)
