"""The ``screen`` command: match the store's vessels against sanctions lists."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer

from darkfleet._cli_common import JsonOpt, StoreOpt, out, print_json, store_path, table
from darkfleet.store import Store

__all__ = ["screen"]

ListOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--list",
        help="Sanctions list or watchlist: OFAC SDN CSV, UN XML, OpenSanctions FtM JSON lines, "
        "or a name,imo,mmsi,callsign,flag,note CSV (repeatable) "
        "(default: the bundled OFAC 2024-05-03 and UN 2020-11-24 snapshots).",
        show_default=False,
    ),
]


def screen(store: StoreOpt = None, lists: ListOpt = None, as_json: JsonOpt = False) -> None:
    """Screen every vessel in the store against sanctions lists and save the matches."""
    from darkfleet import screen as sc

    entries = sc.load_lists(lists or sc.bundled_lists())
    with Store(store_path(store), writable=True) as st:
        static = st.read("static")
        identities = sc.vessel_identities(st.scan("positions"), static)
        matches = sc.screen(identities, sc.identity_history(static), entries)
        st.replace_table("matches", matches)
    names = dict(identities.select("mmsi", "name").iter_rows())
    infos = [info.__dict__ for info in sc.list_infos(entries)]
    if as_json:
        print_json({"lists": infos, "matches": matches.to_dicts(), "disclaimer": sc.DISCLAIMER})
        return
    grid = table(f"{matches.height:,} matches", _COLUMNS, _rows(matches, names))
    for column in grid.columns:
        column.justify = "right" if column.header == "score" else "left"
    out.print(grid)
    for info in infos:
        out.print(f"{info['name']}: list of {info['date']}, {info['entries']:,} entries")
    out.print(sc.DISCLAIMER)


_COLUMNS = ["vessel", "list", "entry", "type", "score", "explanation"]


def _rows(matches: pl.DataFrame, names: dict[int, str]) -> list[list[Any]]:
    return [
        [
            f"{m['mmsi']} {names.get(m['mmsi']) or ''}".strip(),
            m["list_name"],
            f"{m['entry_id']} {m['entry_name']}",
            m["match_type"],
            f"{m['score']:.2f}",
            m["explanation"],
        ]
        for m in matches.iter_rows(named=True)
    ]
