"""The reference run behind ``make demo``: everything minshare can do so far, on embedded defaults.

It synthesizes a small national extract, reads and validates it (quarantining bad rows), resolves
which orders govern each state on the disclosure date, and reports what a disclosure would be
built from. Stages later issues add (the disclosure engine, the guard, the ledger, the report)
announce themselves as not yet available rather than pretending.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from minshare.data.model import Table

if TYPE_CHECKING:
    from minshare.data.read import LoadResult
    from minshare.data.synth import SynthResult

DEFAULT_ROWS = 20_000
DEFAULT_SEED = 7
DEFAULT_AS_OF = dt.date(2026, 2, 1)

Step = Callable[[str], None]


@dataclass(frozen=True)
class DemoResult:
    out_dir: Path
    synth: SynthResult
    enrollment: LoadResult
    determinations: LoadResult
    as_of: dt.date
    orders_by_state: dict[str, list[str]]
    not_yet_available: list[str] = field(default_factory=list)


def run_demo(
    out_dir: Path,
    *,
    rows: int = DEFAULT_ROWS,
    seed: int = DEFAULT_SEED,
    as_of: dt.date = DEFAULT_AS_OF,
    step: Step | None = None,
) -> DemoResult:
    """Run the reference pipeline into ``out_dir`` and return what each stage produced."""
    from minshare.data.read import load_table
    from minshare.data.synth import synthesize

    say = step or (lambda _msg: None)
    out_dir.mkdir(parents=True, exist_ok=True)
    input_dir = out_dir / "input"
    workspace = out_dir / "workspace"

    say(f"synthesizing {rows:,} enrollment rows (seed {seed})")
    synth = synthesize(input_dir, rows=rows, seed=seed)

    say("reading and validating the enrollment and determination tables")
    enrollment = load_table(synth.paths["enrollment"], Table.ENROLLMENT, workspace)
    determinations = load_table(synth.paths["determinations"], Table.DETERMINATIONS, workspace)

    say(f"resolving the orders in force on {as_of.isoformat()}")
    orders_by_state = _orders_in_force(enrollment, as_of)

    return DemoResult(
        out_dir=out_dir,
        synth=synth,
        enrollment=enrollment,
        determinations=determinations,
        as_of=as_of,
        orders_by_state=orders_by_state,
        not_yet_available=[
            "disclose (decide every record, signed package): the engine issue",
            "health-information guard: the guard issue",
            "ledger entry and signed checkpoint: the ledger issue",
            "compliance report: the report issue",
        ],
    )


def _orders_in_force(enrollment: LoadResult, as_of: dt.date) -> dict[str, list[str]]:
    """Which reference orders govern each state present in the data, on ``as_of``."""
    import pyarrow.parquet as pq

    from minshare.orders import in_force_for_state, load_builtin_orders

    orders = load_builtin_orders()
    present = sorted(
        {
            s
            for s in pq.read_table(enrollment.accepted_path, columns=["SUBMTG_STATE_CD"])
            .column(0)
            .to_pylist()
            if s
        }
    )
    return {st: [o.id for o in in_force_for_state(orders, st, as_of)] for st in present}
