"""The public API is small and explicit: adding or removing a name is a deliberate act."""

from __future__ import annotations

import minshare

EXPECTED = {
    "ConfigError",
    "DataError",
    "MinshareError",
    "MissingColumnError",
    "OrderError",
    "UnsupportedFormatError",
    "UsageError",
    "__version__",
}


def test_public_api_is_exactly_the_documented_names() -> None:
    assert set(minshare.__all__) == EXPECTED


def test_every_public_name_is_importable() -> None:
    for name in minshare.__all__:
        assert getattr(minshare, name) is not None


def test_nothing_in_the_library_imports_the_cli() -> None:
    import pathlib

    root = pathlib.Path(minshare.__file__).parent
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if "cli" not in p.relative_to(root).parts[:1]
        and ("from minshare.cli" in p.read_text() or "import minshare.cli" in p.read_text())
    ]
    assert offenders == []
