"""The public API is small and explicit: adding or removing a name is a deliberate act."""

from __future__ import annotations

import pytest

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
    # one entry point per stage
    "synthesize",
    "open_table",
    "load_table",
    "load_builtin_orders",
    "build_registry",
    "open_registry",
    "disclose",
    "dry_run",
    "explain",
    "verify_package",
    "open_ledger",
    "verify_bundle",
    "write_report",
    "decide_review",
    "create_app",
}


def test_public_api_is_exactly_the_documented_names() -> None:
    assert set(minshare.__all__) == EXPECTED


def test_every_public_name_is_importable() -> None:
    for name in minshare.__all__:
        assert getattr(minshare, name) is not None


def test_entry_points_are_callables_and_unknown_names_raise() -> None:
    assert callable(minshare.disclose)
    assert callable(minshare.synthesize)
    with pytest.raises(AttributeError):
        _ = minshare.no_such_thing


def test_importing_minshare_does_not_load_the_engines() -> None:
    import subprocess
    import sys

    code = (
        "import sys, minshare; print('duckdb' in sys.modules, 'pyarrow' in sys.modules, "
        "'fastapi' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "False"]


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
