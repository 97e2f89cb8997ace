"""``minshare synth``: deterministic synthetic enrollment data with planted adversarial cases.

Files written to ``out_dir``:

- ``enrollment.parquet`` (or ``.csv`` / ``.psv``): one row per person per state, columns exactly
  ``model.ENROLLMENT``, values as a state's raw extract carries them (strings; dates mostly
  ``YYYYMMDD``, some ISO; raw ``IMGRTN_STUS_CD`` 8 for citizens; phones as digits or formatted).
- ``determinations.parquet`` (or ``.csv`` / ``.psv``): columns ``model.DETERMINATIONS``, 0..n
  rows per person, state codes normalized to 2-digit FIPS.
- ``facilities_nppes.csv``: a health-facility registry in the NPPES main-file layout.
- ``truth.parquet``: one row per enrollment row: ``row`` (0-based position in the enrollment
  file), ``SUBMTG_STATE_CD`` and ``MSIS_IDENT_NUM`` as written, ``status_category`` (the
  person's true ``StatusCategory``) and ``cases`` (the labels below).

Same seed and rows give byte-identical files (with the same pyarrow version): each chunk of
``CHUNK_ROWS`` rows draws from its own stream ``default_rng([seed, chunk, 1])``, and writer
settings are fixed.

Planted case labels (``truth.cases``); a few percent of rows, at least two of each per chunk,
so a run of a few thousand rows carries every label:

- ``facility_address_registry``: the home address is an active organization's practice address
  in ``facilities_nppes.csv`` (same house number, street and ZIP5, any case); line 2 may hold a
  room ("Rm 214").
- ``facility_words``: home line 2 names a unit or facility ("c/o Renal Unit", "Rm 4B, Dialysis
  Ctr", "Methadone Clinic") or mailing line 2 is a "c/o" facility.
- ``facility_phone``: the home phone is an active organization's practice phone.
- ``icd_in_address``: an ICD-10-CM code pasted into line 1, 2 or 3 ("N18.6", "Dx F20.9").
- ``msis_id_is_ssn``: ``MSIS_IDENT_NUM`` equals the row's ``SSN_NUM``.
- ``msis_id_ssn_shaped``: ``MSIS_IDENT_NUM`` is nine SSN-shaped digits that are not the SSN.
- ``determination_conflict``: the person has two determinations with different categories on
  their latest determination date.
- ``determination_stale``: the person's latest determination is more than 365 days before
  2026-11-01. Every other person's latest determination is within 365 days.
- ``inconsistent_codes``: citizenship and immigration codes contradict (CTZNSHP_IND 1 with
  IMGRTN_STUS_CD 3; IMGRTN_STUS_CD 3 on a citizen; IMGRTN_STUS_CD 8 on a non-citizen).
- ``unknown_code``: IMGRTN_STUS_CD "4" or "9", or ELGBLTY_GRP_CD "77".
- ``duplicate_exact``: the row and an identical copy elsewhere in the file (both labelled).
- ``duplicate_conflicting``: the row and a copy with the same key but a different home address.
- ``bad_date``: BIRTH_DT or MDCD_ENRLMT_EFF_DT_1 is an impossible date ("20230230", "00000000",
  "2024-13-01", ...) in the row's date format.
- ``formula_text``: CSV/spreadsheet formula text in an address line (``=HYPERLINK(...)``,
  ``+1-555``, ``@SUM(A1)``).
- ``unicode_lookalike``: a Cyrillic/Greek letter in the street name, or fullwidth digits in the
  ZIP code.
- ``mixed_status_household``: the household (``MSIS_CASE_NUM``) has a citizen and a member whose
  true status is not clearly lawful (the-order.md §7.2); every member carries the label.
- ``missing_id``: ``MSIS_IDENT_NUM`` is null (the person has no determination rows).
- ``alternate_state_code``: ``SUBMTG_STATE_CD`` is an alternate submitter code (93, 94, 96, 97).
- ``unpadded_state_code``: ``SUBMTG_STATE_CD`` lost its leading zero ("6" for California).

Rows without a label may still be unusual in realistic ways (formatted phones, upper-case
systems, "Apt B12" unit designators, accented names, sensitive eligibility groups): those are
the population, not planted cases.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from minshare.data.synth import chunk as chunks
from minshare.data.synth import facilities, workers
from minshare.data.synth.adversarial import LABELS
from minshare.data.synth.rand import STREAM_REGISTRY, rng_for
from minshare.data.synth.writer import FORMATS, TableWriter
from minshare.errors import UsageError

CHUNK_ROWS = 500_000
MAX_ROWS = 100_000_000
MAX_WORKERS = 4

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SynthResult:
    """What one run wrote."""

    out_dir: Path
    fmt: str
    seed: int
    paths: dict[str, Path] = field(default_factory=dict)  # table -> file
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows written
    cases: dict[str, int] = field(default_factory=dict)  # label -> enrollment rows carrying it


def _validate(out_dir: Path, rows: int, seed: int, fmt: str) -> None:
    if isinstance(rows, bool) or not isinstance(rows, int) or not 1 <= rows <= MAX_ROWS:
        raise UsageError(f"--rows must be an integer from 1 to {MAX_ROWS:,}, got {rows!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise UsageError(f"--seed must be a non-negative integer below 2**63, got {seed!r}")
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"output path exists and is not a directory: {out_dir}", file=str(out_dir))
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create output directory: {exc}", file=str(out_dir)) from exc
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise UsageError(f"output directory is not writable: {out_dir}", file=str(out_dir))


def synthesize(
    out_dir: Path,
    *,
    rows: int,
    seed: int,
    fmt: str = "parquet",
    progress: Progress | None = None,
) -> SynthResult:
    """Write the synthetic tables for ``rows`` enrollment rows into ``out_dir``.

    Existing files of the same names are replaced; nothing is left half-written on failure
    (files are written under a temporary name and renamed at the end).
    """
    out_dir = Path(out_dir)
    _validate(out_dir, rows, seed, fmt)
    paths = {
        "enrollment": out_dir / f"enrollment.{fmt}",
        "determinations": out_dir / f"determinations.{fmt}",
        "facilities": out_dir / "facilities_nppes.csv",
        "truth": out_dir / "truth.parquet",
    }
    partial = {name: p.with_name(p.name + ".partial") for name, p in paths.items()}
    writers = {
        "enrollment": TableWriter(partial["enrollment"], fmt),
        "determinations": TableWriter(partial["determinations"], fmt),
        "truth": TableWriter(partial["truth"], "parquet"),
    }
    try:
        registry = facilities.build(rng_for(seed, 0, STREAM_REGISTRY))
        facilities.write(registry, partial["facilities"])
        counts = _write_chunks(seed, rows, registry.sites, writers, progress)
        for w in writers.values():
            w.close()
        for name, p in paths.items():
            os.replace(partial[name], p)
    except BaseException:
        for w in writers.values():
            w.close()
        for p in partial.values():
            p.unlink(missing_ok=True)
        raise
    table_rows = {name: w.rows for name, w in writers.items()}
    table_rows["facilities"] = len(registry)
    return SynthResult(
        out_dir=out_dir,
        fmt=fmt,
        seed=seed,
        paths=paths,
        rows=table_rows,
        cases={label: int(c) for label, c in zip(LABELS, counts, strict=True)},
    )


def _workers(n_chunks: int) -> int:
    """Worker processes for generation: none for a single chunk, else one per usable CPU."""
    if n_chunks < 2:
        return 0
    affinity = getattr(os, "sched_getaffinity", None)
    cpus = len(affinity(0)) if affinity is not None else (os.cpu_count() or 1)
    return max(1, min(MAX_WORKERS, cpus, n_chunks))


def _write_chunks(
    seed: int,
    rows: int,
    sites: facilities.Sites,
    writers: dict[str, TableWriter],
    progress: Progress | None,
) -> npt.NDArray[np.int64]:
    n_chunks = -(-rows // CHUNK_ROWS)
    counts = np.zeros(len(LABELS), np.int64)
    done = 0
    if progress is not None:
        progress(0, rows)

    def task(k: int) -> workers.Task:
        first = k * CHUNK_ROWS
        return seed, k, first, min(CHUNK_ROWS, rows - first)

    def write(c: chunks.Chunk) -> None:
        nonlocal done, counts
        writers["enrollment"].write(c.enrollment)
        writers["determinations"].write(c.determinations)
        writers["truth"].write(c.truth)
        counts += c.case_counts
        done += c.enrollment.num_rows
        if progress is not None:
            progress(done, rows)

    n_workers = _workers(n_chunks)
    if n_workers == 0:
        for k in range(n_chunks):
            write(chunks.generate(*task(k), sites))
        return counts
    with workers.WorkerPool(n_workers, sites) as pool:
        # Two chunks queued per worker: one being generated, one waiting for the writer.
        ahead = min(n_chunks, 2 * n_workers)
        for k in range(ahead):
            pool.submit(k, task(k))
        for k in range(n_chunks):
            c = pool.result(k)
            if ahead < n_chunks:
                pool.submit(ahead, task(ahead))
                ahead += 1
            write(c)
    return counts


__all__ = ["CHUNK_ROWS", "LABELS", "MAX_ROWS", "SynthResult", "synthesize"]
