"""The ``darkfleet`` command: a thin shell over the library.

Every command maps darkfleet's errors to one line on stderr and a documented exit
code: 0 success, 1 usage error, 2 bad input (file, list, config), 3 store problem,
4 engine problem.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from darkfleet import (
    __version__,
    _cli_assess,
    _cli_detect,
    _cli_report,
    _cli_screen,
    _cli_watch,
)
from darkfleet._cli_common import (
    JsonOpt,
    StoreOpt,
    byte_progress,
    err,
    out,
    parse_time,
    print_json,
    stage_progress,
    store_path,
    table,
)
from darkfleet.errors import ConfigError, DarkfleetError
from darkfleet.ingest import IngestReport
from darkfleet.ingest import ingest as run_ingest
from darkfleet.store import Store

__all__ = ["app", "main"]

app = typer.Typer(
    name="darkfleet",
    help="Find sanctions evasion at sea in AIS data: ingest, detect, screen, report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

FORMAT_CHOICES = ["auto", "nmea", "marinecadastre", "dma", "gfw-json", "canonical"]


@app.command()
def ingest(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="AIS files: NMEA, CSV, JSON lines, Parquet; .gz/.bz2/.zip read transparently."
        ),
    ],
    store: StoreOpt = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="Input format; 'auto' detects it from the content.",
            case_sensitive=False,
        ),
    ] = "auto",
    assume_time: Annotated[
        str | None,
        typer.Option(
            help="ISO time for NMEA lines that carry no timestamp (else they are rejected)."
        ),
    ] = None,
    as_json: JsonOpt = False,
    engine: Annotated[
        str,
        typer.Option(
            "--engine", help="local (this process) or spark (CSV and Parquet; paths or URIs)."
        ),
    ] = "local",
    master: Annotated[
        str | None, typer.Option("--master", help="Spark master URL (default: local[2]).")
    ] = None,
) -> None:
    """Read AIS files into the store; every record is accepted, a duplicate, ignored or rejected."""
    assumed = parse_time(assume_time, "--assume-time")
    if engine not in ("local", "spark"):
        raise ConfigError(f"--engine {engine!r}: choose local or spark")
    if engine == "spark":
        report = _ingest_spark(paths, store, fmt, assumed, master, as_json)
    else:
        if master:
            raise ConfigError("--master needs --engine spark")
        with Store(store_path(store), writable=True) as st, byte_progress(not as_json) as progress:
            report = run_ingest(
                st, [Path(p) for p in paths], fmt=fmt, assume_time=assumed, progress=progress
            )
    if as_json:
        print_json(report.as_dict())
    else:
        _print_ingest(report)
    for line in report.errors():
        err.print(f"darkfleet: error: {line}")
    if report.errors():
        raise BadInputExit(2)


def _ingest_spark(
    paths: list[str],
    store: Path | None,
    fmt: str,
    assumed: datetime | None,
    master: str | None,
    as_json: bool,
) -> IngestReport:
    from darkfleet.engine.spark import SparkOptions
    from darkfleet.engine.spark_ingest import ingest_spark

    if assumed is not None:
        raise ConfigError("--assume-time is for NMEA input, which --engine spark does not read")
    with Store(store_path(store), writable=True) as st, stage_progress(not as_json) as progress:
        return ingest_spark(st, paths, fmt, progress, options=SparkOptions(master=master))


def _print_ingest(report: IngestReport) -> None:
    counts = ("read", "accepted", "duplicates", "ignored", "rejected")
    rows = [[_short(f.path), f.format, *(getattr(f, c) for c in counts)] for f in report.files]
    totals = report.totals()
    rows.append(["total", "", *(totals[c] for c in counts)])
    out.print(table("Ingest", ["file", "format", *counts], rows))


def _short(path: str) -> str:
    """A file's name, or ``archive.zip!member`` for archive members."""
    return Path(path).name if "!" not in path else path.rsplit("/", 1)[-1]


@app.command()
def info(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """Row counts, vessels, time span and bounding box of the store."""
    summary = Store(store_path(store)).info()
    if as_json:
        print_json(summary.as_dict())
        return
    rows = [[k, v if v is not None else "-"] for k, v in summary.as_dict().items()]
    out.print(table(f"Store {store_path(store)}", ["", "value"], rows))


@app.command()
def rejects(
    store: StoreOpt = None,
    limit: Annotated[int, typer.Option(help="Example records shown per reason.")] = 3,
    as_json: JsonOpt = False,
) -> None:
    """Rejected records grouped by reason, with examples (file, line, raw text)."""
    from darkfleet.ingest import rejects_by_reason

    groups = rejects_by_reason(Store(store_path(store)), limit)
    if as_json:
        print_json(groups)
        return
    if not groups:
        out.print("No rejected records.")
    for group in groups:
        out.print(f"[bold]{group['reason']}[/bold] {group['count']:,} - {group['meaning']}")
        for ex in group["examples"]:
            out.print(f"  {ex['source']}:{ex['line_no']}: {ex['raw'][:120]}", markup=False)


app.command()(_cli_detect.detect)
app.command()(_cli_detect.events)
app.command()(_cli_detect.simulate)
app.command()(_cli_detect.evaluate)
app.command()(_cli_screen.screen)
app.command()(_cli_assess.vessels)
app.command()(_cli_assess.cap)
app.command()(_cli_assess.network)
app.command()(_cli_report.report)
app.command()(_cli_report.serve)
app.command()(_cli_watch.watch)


@app.command()
def demo(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the demo store, scenario and report.")
    ] = Path("demo-output"),
) -> None:
    """Run the whole job on bundled data and say where the results are."""
    from darkfleet.demo import run_demo

    result = run_demo(out_dir, say=lambda text: out.print(f"[bold]>[/bold] {text}"))
    if result.ingest is not None:
        _print_ingest(result.ingest)
    by_kind = result.detect.get("by_kind", {})
    rows = [[kind, by_kind.get(kind, 0)] for kind in sorted(by_kind)]
    out.print(table("Events detected", ["kind", "events"], rows))
    if result.accuracy is not None:
        out.print(_accuracy_table(result.accuracy))
    if result.vessels is not None:
        _print_risk(result.vessels)
    if result.ledger:
        from darkfleet.demo import DEMO_SCENARIO

        _cli_assess.print_ledger(result.ledger, DEMO_SCENARIO.start.year)
    out.print(f"\nStore:  {result.store}")
    if result.report is not None:
        out.print(f"Report: {result.report.resolve()}   (open it in any browser, offline)")
    out.print(f"Serve:  darkfleet serve --store {result.store}")


def _clip(text: str, width: int = 100) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _print_risk(vessels: Any, top: int = 8) -> None:
    ranked = vessels.sort("risk_score", descending=True).head(top)
    rows = [
        [
            f"{r['mmsi']} {r['name'] or ''}".strip(),
            r["flag"] or "",
            r["risk_score"],
            r["risk_band"],
            "\n".join(r["reasons"][:6]),
        ]
        for r in ranked.iter_rows(named=True)
    ]
    out.print(table("Highest-risk vessels", ["vessel", "flag", "score", "band", "reasons"], rows))


def _accuracy_table(scores: Any) -> Any:
    def ratio(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    rows = [
        [r["kind"], r["truth"], r["found"], ratio(r["recall"]), r["events"], ratio(r["precision"])]
        for r in scores.iter_rows(named=True)
    ]
    header = ["kind", "injected", "found", "recall", "events", "precision"]
    return table("Accuracy on the simulated scenario (ground truth)", header, rows)


@app.command()
def version() -> None:
    """Print darkfleet's version."""
    out.print(__version__)


class BadInputExit(SystemExit):
    """Exit with a darkfleet code after the command has printed its own messages."""


def main() -> None:
    """Entry point: run the app, translating errors into one line and an exit code.

    Typer reports usage errors itself with exit status 2; darkfleet documents 1 for
    usage errors and keeps 2 for bad input, so that status is remapped here.
    """
    try:
        app()
    except BadInputExit:
        raise
    except DarkfleetError as exc:
        err.print(f"darkfleet: error: {exc}", markup=False)
        sys.exit(exc.exit_code)
    except SystemExit as exc:
        sys.exit(1 if exc.code == 2 else exc.code)
    except KeyboardInterrupt:
        err.print("darkfleet: interrupted")
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:  # a bug: still one line, with the traceback on request
        if os.environ.get("DARKFLEET_DEBUG"):
            raise
        err.print(
            f"darkfleet: internal error: {type(exc).__name__}: {exc} "
            "(set DARKFLEET_DEBUG=1 for the traceback)",
            markup=False,
        )
        sys.exit(1)
