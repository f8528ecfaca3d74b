"""Feed a precomputed intermediate into a pure detector that computes it internally.

Three local functions build a whole-input intermediate inside themselves, which the
Spark engine computes across partitions instead:

* ``darkfleet.detect.gaps.gaps`` calls ``reception(positions)`` (positions per day in
  every 1° cell, from *all* vessels) — Spark sums it over every vessel;
* ``darkfleet.places.derive_anchorages`` calls ``stationary_periods(positions)`` —
  Spark computes the periods per vessel track;
* ``darkfleet.detect.encounters.encounters`` calls ``resample`` and
  ``raw_encounters`` — Spark computes raw encounters per vessel pair.

:func:`injected` swaps the module-level name for the duration of one call, so the
rest of each function (filters, merge, scoring, event ids) runs unchanged: nothing is
written twice. Spark's Python workers run one task at a time per process, and the
driver calls these from one thread, so the swap is never seen by a concurrent caller.
It goes away once those functions accept the intermediate as an optional argument.

>>> import math
>>> with injected(math, "pi", 3.0):
...     math.pi
3.0
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

__all__ = ["injected", "returning"]


@contextmanager
def injected(module: ModuleType, name: str, value: Any) -> Iterator[None]:
    """Replace ``module.name`` by ``value`` inside the ``with`` block."""
    original = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, original)


def returning(result: Any) -> Any:
    """A stand-in function that ignores its arguments and returns ``result``."""

    def stand_in(*_args: Any, **_kwargs: Any) -> Any:
        return result

    return stand_in
