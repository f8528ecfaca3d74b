"""Starting Spark for darkfleet, and turning Spark's failures into ``EngineError``.

The session runs in UTC (timestamps cross into Python as UTC Arrow columns), with
Arrow enabled, a small number of shuffle partitions (the tables between stages are
small compared with the positions), no web UI and quiet logs. Python workers use this
interpreter unless ``PYSPARK_PYTHON`` says otherwise (on a cluster, ship an environment
with darkfleet installed; see the README).

>>> _missing_java() in (None, "java")
True
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from darkfleet.errors import DarkfleetError, EngineError

__all__ = ["bound", "bound2", "engine_errors", "spark_schema", "spark_session"]

_LOCAL_DEFAULTS = {"spark.driver.memory": "4g"}
_SETTINGS = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.execution.arrow.maxRecordsPerBatch": "100000",
    "spark.sql.adaptive.enabled": "true",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    # Spark already runs one task per core: numba's and Polars' own thread pools in every
    # Python worker would oversubscribe the cores.
    "spark.executorEnv.NUMBA_NUM_THREADS": "1",
    "spark.executorEnv.POLARS_MAX_THREADS": "1",
}
_LOG4J = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""


def spark_session(master: str | None, shuffle_partitions: int | None = None) -> Any:
    """A Spark session on ``master`` (default ``local[2]``) configured for darkfleet."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise EngineError("--engine spark needs pyspark: pip install 'darkfleet[spark]'") from None
    missing = _missing_java()
    if missing:
        raise EngineError("--engine spark needs a Java 17+ runtime: no java on PATH or JAVA_HOME")
    url = master or "local[2]"
    builder = SparkSession.builder.master(url).appName("darkfleet-detect")
    settings = dict(_SETTINGS)
    settings["spark.sql.shuffle.partitions"] = str(shuffle_partitions or _cores(url) * 2)
    if url.startswith("local"):
        settings = {**_LOCAL_DEFAULTS, **settings}
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers see darkfleet
    settings.setdefault("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={_log4j()}")
    for key, value in settings.items():
        builder = builder.config(key, value)
    # PySpark warns about pandas 3 on every Arrow UDF; darkfleet's UDFs never use pandas.
    warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
    with engine_errors("starting Spark"):
        session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _log4j() -> str:
    """A log4j2 configuration that lets only errors through (the JVM reads it at start)."""
    path = Path(tempfile.gettempdir()) / "darkfleet-spark-log4j2.properties"
    if not path.is_file() or path.read_text() != _LOG4J:
        path.write_text(_LOG4J)
    return str(path)


def _missing_java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and os.path.exists(os.path.join(home, "bin", "java")):
        return None
    return None if shutil.which("java") else "java"


def _cores(master: str) -> int:
    inside = master.partition("[")[2].rstrip("]")
    if inside.isdigit():
        return int(inside)
    return os.cpu_count() or 2 if inside == "*" else 2


@contextmanager
def engine_errors(doing: str) -> Iterator[None]:
    """Re-raise anything Spark throws while ``doing`` as a one-line ``EngineError``."""
    try:
        yield
    except DarkfleetError:
        raise
    except Exception as exc:  # Py4J, JVM and Python-worker errors alike
        raise EngineError(f"Spark failed while {doing}: {_first_line(exc)}") from exc


def _first_line(exc: Exception) -> str:
    """The most telling line of a (possibly multi-page, JVM) error message."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    errors = [line for line in lines if "Error" in line or "Exception" in line]
    return (errors[-1] if errors else lines[0] if lines else type(exc).__name__)[:300]


def bound(task: Any, *args: Any) -> Any:
    """``task(*args, data)`` as a one-argument function without type hints.

    PySpark infers a UDF's kind from its hints and arity and fails on a
    ``functools.partial``; a plain one-argument function is an Arrow (grouped) map.
    """
    return lambda data: task(*args, data)


def bound2(task: Any, *args: Any) -> Any:
    """``task(*args, left, right)`` as a two-argument function (a co-grouped map)."""
    return lambda left, right: task(*args, left, right)


def spark_schema(arrow: Any) -> Any:
    """The Spark schema of an Arrow schema."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(arrow)
