"""The minshare service: an HTTP API with roles, the review desk and server-rendered pages over
the library (``docs/service.md``). Nothing outside ``service`` and ``cli`` imports it."""

from __future__ import annotations

from minshare.service.app import create_app
from minshare.service.settings import Settings

__all__ = ["Settings", "create_app"]
