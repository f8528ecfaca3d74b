"""The web dashboard and JSON API (``darkfleet serve``); needs the ``web`` extra.

>>> from darkfleet.web import create_app
>>> app = create_app("darkfleet-store")  # doctest: +SKIP
"""

from __future__ import annotations

from darkfleet.web.app import check_bind, create_app

__all__ = ["check_bind", "create_app"]
