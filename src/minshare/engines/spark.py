"""The Spark engine: the same compiled plan, run through PySpark (local mode or a cluster).

What runs where (docs/engine.md, "The Spark engine"):

- **Spark**: the health-information guard (``mapInArrow`` over the rows whose decision its
  findings can change, the facility registry broadcast to the executors) and the decision (the
  Spark-dialect SQL that :mod:`minshare.compile` generates and golden-tests, run with
  ``spark.sql`` over temp views of the workspace's accepted rows). Nothing of the decision is
  written again in Python: both engines run one compiled plan.
- **The driver, with the library code both engines share**: reading and quarantining the inputs
  (:mod:`minshare.engines.ingest`, so the quarantine is the same by construction), gathering
  Spark's decision files into the workspace's one ``decisions.parquet`` (with the hit table),
  the counts, the review file, the one-row-per-person check and the package's records (DuckDB
  over that file, as the DuckDB engine does), the record tree, the package and the ledger.

pyspark is an optional dependency (``pip install 'minshare[spark]'``) and is imported only when
a Spark run starts: ``import minshare`` and the DuckDB engine never load it. Spark needs a Java
runtime (17 or later); without one the run stops before anything is read, saying how to install
one.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from minshare.compile.cached import compiled_query
from minshare.compile.dialects import generate
from minshare.compile.plan import Plan
from minshare.compile.sql import (
    DETERMINATIONS,
    ENROLLMENT,
    GUARD_FACTS,
    REVIEW_DECISIONS,
    UNREADABLE,
    build_guard_input,
)
from minshare.engines.errors import EngineError
from minshare.errors import UsageError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

NAME = "spark"
DIALECT = "spark"
JAVA_INSTALL = "apt-get install -y openjdk-17-jre-headless"
PYSPARK_INSTALL = "pip install 'minshare[spark]'"
MIN_JAVA = 17
BATCH_ROWS = 64 * 1024

# minshare's defaults; --spark-conf (SparkSettings.conf) overrides any of them. Local mode is a
# single process on one machine: no UI, no progress bars, few shuffle partitions (adaptive
# execution coalesces them further), the driver bound to loopback.
DEFAULT_CONF: dict[str, str] = {
    "spark.app.name": "minshare",
    "spark.sql.session.timeZone": "UTC",
    # Errors (a failed cast, an index out of range) stop the run instead of becoming nulls.
    "spark.sql.ansi.enabled": "true",
    "spark.sql.execution.arrow.useLargeVarTypes": "false",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}
LOCAL_CONF: dict[str, str] = {
    "spark.driver.memory": "4g",
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "4",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
}
# In local mode the Python workers are this Python (minshare must be importable there), and
# Spark binds to loopback; pyspark reads both from the environment, not from the session's
# configuration.
LOCAL_ENV = {"PYSPARK_PYTHON": sys.executable, "SPARK_LOCAL_IP": "127.0.0.1"}
# Spark's JVM logs WARN and above to the terminal from its first line, before a session exists
# to lower it: the driver is started with this log4j2 configuration (errors only) instead.
LOG4J2 = """\
rootLogger.level = error
rootLogger.appenderRef.console.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
"""


@dataclass(frozen=True)
class SparkSettings:
    """Where Spark runs: ``master`` (``local[*]`` by default, or a cluster URL) and extra Spark
    configuration (``KEY=VALUE``) over minshare's defaults."""

    master: str = "local[*]"
    conf: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, master: str | None = None, conf: Sequence[str] = ()) -> SparkSettings:
        """From the command line: ``--spark-master URL`` and repeatable ``--spark-conf K=V``."""
        pairs: dict[str, str] = {}
        for item in conf:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise UsageError(f"--spark-conf takes KEY=VALUE, not {item!r}")
            pairs[key.strip()] = value
        return cls(master=master or cls.master, conf=pairs)

    @property
    def local(self) -> bool:
        return self.master.startswith("local")

    def effective_conf(self) -> dict[str, str]:
        return {**DEFAULT_CONF, **(LOCAL_CONF if self.local else {}), **self.conf}


def version() -> str:
    """pyspark's version, read without importing it ("" when it is not installed)."""
    try:
        return metadata.version("pyspark")
    except metadata.PackageNotFoundError:
        return ""


def java_executable() -> str | None:
    """The ``java`` Spark will start: ``$JAVA_HOME/bin/java``, else the one on ``PATH``."""
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = Path(home) / "bin" / "java"
        return str(candidate) if candidate.is_file() else None
    return shutil.which("java")


def java_problem() -> str | None:
    """Why Spark cannot start here (no Java runtime, or one older than 17); None if it can."""
    java = java_executable()
    if java is None:
        where = "JAVA_HOME" if os.environ.get("JAVA_HOME") else "PATH"
        return (
            f"the Spark engine needs a Java runtime ({MIN_JAVA} or later) and there is none "
            f"on {where}; install one with: {JAVA_INSTALL}"
        )
    try:
        out = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{java} -version failed ({exc}); install a Java runtime with: {JAVA_INSTALL}"
    found = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if found is None:
        return f"could not read the version of {java}; Spark needs Java {MIN_JAVA} or later"
    major = int(found.group(1))
    if major == 1 and found.group(2):  # "1.8.0" is Java 8
        major = int(found.group(2))
    if major < MIN_JAVA:
        return (
            f"{java} is Java {major}; Spark {version() or '4'} needs Java {MIN_JAVA} or later: "
            f"{JAVA_INSTALL}"
        )
    return None


def check_available() -> None:
    """Stop before anything is read when Spark cannot run here (``EngineError``, saying how to
    install what is missing)."""
    if not version():
        raise EngineError(f"the Spark engine needs pyspark: {PYSPARK_INSTALL}")
    problem = java_problem()
    if problem is not None:
        raise EngineError(problem)


def _failed(exc: BaseException) -> EngineError:
    """A Spark (or Py4J) failure as an ``EngineError``: the first line of its message and, for
    an error in a Python worker, the worker's own exception."""
    text = str(exc).strip() or repr(exc)
    first = text.splitlines()[0][:500]
    raised = re.findall(r"^\s*([\w.]+(?:Error|Exception): .*)$", text, flags=re.MULTILINE)
    cause = f" ({raised[-1].strip()[:500]})" if raised else ""
    return EngineError(f"Spark failed: {first}{cause}; nothing was published")


@contextmanager
def session(settings: SparkSettings | None = None) -> Iterator[SparkSession]:
    """A Spark session with minshare's settings, stopped at the end. A session already active in
    this process (a notebook, Databricks, a test's) is used as it is and left running."""
    settings = settings or SparkSettings()
    check_available()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        yield active
        return
    if settings.local:
        for key, value in LOCAL_ENV.items():
            os.environ.setdefault(key, value)
    conf = {"spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile={_log4j2()}"}
    conf.update(settings.effective_conf())
    builder = SparkSession.builder.master(settings.master)
    for key, value in conf.items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:
        raise EngineError(
            f"Spark did not start (master {settings.master}): {str(exc).splitlines()[0][:500]}"
        ) from exc
    try:
        spark.sparkContext.setLogLevel("ERROR")
        yield spark
    finally:
        spark.stop()


def _log4j2() -> Path:
    path = Path(tempfile.gettempdir()) / "minshare-spark-log4j2.properties"
    if not path.is_file() or path.read_text() != LOG4J2:
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
        tmp.write_text(LOG4J2)
        tmp.replace(path)
    return path


def compiled(plan: Plan) -> str:
    """The plan's decision query in Spark SQL (compiled once per plan)."""
    return compiled_query(plan, DIALECT)[1]


# -- the guard on the executors ------------------------------------------------------------------
# One Scanner per Python worker and configuration: building its automata takes a moment, and
# Spark reuses its Python workers across tasks.
_SCANNERS: dict[tuple[str, tuple[str, ...], str], Any] = {}


def _scanner(registry: Any, fields: tuple[str, ...], as_of: Any) -> Any:
    from minshare.guard import Scanner

    key = (registry.manifest.registry_id, fields, as_of.isoformat())
    if key not in _SCANNERS:
        _SCANNERS[key] = Scanner(registry, fields=list(fields), as_of=as_of)
    return _SCANNERS[key]


def _scan_partition(
    registry: Any, fields: tuple[str, ...], as_of: Any, counter: Any
) -> Callable[[Iterable[pa.RecordBatch]], Iterable[pa.RecordBatch]]:
    from minshare.guard import FINDINGS_SCHEMA

    def scan(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        scanner = _scanner(registry.value, fields, as_of)
        for batch in batches:
            counter.add(batch.num_rows)
            findings = scanner.scan(batch)
            if findings.num_rows:
                yield from findings.cast(FINDINGS_SCHEMA).to_batches()

    return scan


class Run:
    """One plan on one Spark session."""

    def __init__(self, spark: SparkSession, plan: Plan, scratch: Path) -> None:
        self.spark = spark
        self.plan = plan
        self.sql = compiled(plan)
        # Spark writes its output here (a directory of part files) before it is gathered.
        self.scratch = scratch

    @staticmethod
    def check(plan: Plan) -> str:
        """Compile ``plan`` for Spark (before any data is read); the SQL text."""
        return compiled(plan)

    def _sql(self, text: str) -> DataFrame:
        try:
            return self.spark.sql(text)
        except Exception as exc:
            raise _failed(exc) from exc

    def register(
        self,
        enrollment: Path,
        determinations: Path,
        *,
        unreadable: pa.Table | None = None,
        review_decisions: pa.Table | None = None,
        guard_facts: pa.Table | None = None,
    ) -> None:
        """The plan's input tables as temp views: the accepted rows as Parquet Spark reads
        itself, the small tables made on the driver."""
        from minshare.engines import duckdb as duck

        try:
            for name, path in ((ENROLLMENT, enrollment), (DETERMINATIONS, determinations)):
                self.spark.read.parquet(str(path.resolve())).createOrReplaceTempView(name)
            schema = duck.guard_facts_schema(self.plan.guard_facts)
            for name, table, empty in (
                (UNREADABLE, unreadable, duck.UNREADABLE_SCHEMA),
                (REVIEW_DECISIONS, review_decisions, duck.REVIEW_DECISIONS_SCHEMA),
                (GUARD_FACTS, guard_facts, schema),
            ):
                frame = self._table(table if table is not None else empty.empty_table())
                frame.createOrReplaceTempView(name)
        except EngineError:
            raise
        except Exception as exc:
            raise _failed(exc) from exc

    def _table(self, table: pa.Table) -> DataFrame:
        from pyspark.sql.pandas.types import from_arrow_schema

        schema = from_arrow_schema(table.schema)
        if table.num_rows == 0:
            return self.spark.createDataFrame([], schema)
        return self.spark.createDataFrame(table, schema)

    def guard_findings(
        self, columns: Sequence[str], fields: Sequence[str], registry: Any
    ) -> tuple[pa.Table, int]:
        """The guard's findings over the rows whose decision they can change (``mapInArrow``
        over ``columns``, scanning ``fields``, the registry broadcast), collected on the driver
        (they are few), and the number of rows scanned, which must be the number of rows the
        query gave."""
        from pyspark.sql.pandas.types import from_arrow_schema

        from minshare.guard import FINDINGS_SCHEMA

        text = generate(build_guard_input(self.plan, columns), DIALECT, pretty=False)
        rows = self._sql(text)
        context = self.spark.sparkContext
        broadcast = context.broadcast(registry)
        counter = context.accumulator(0)
        scan = _scan_partition(broadcast, tuple(fields), self.plan.as_of, counter)
        try:
            found = rows.mapInArrow(scan, from_arrow_schema(FINDINGS_SCHEMA)).toArrow()
            given = rows.count()
        except Exception as exc:
            raise _failed(exc) from exc
        finally:
            with suppress(Exception):  # never hide the error that got us here
                broadcast.unpersist()
        if counter.value != given:
            raise EngineError(
                f"the guard scanned {counter.value} rows but was given {given}; nothing is "
                "published"
            )
        return found.cast(FINDINGS_SCHEMA), given

    def decide_to(self, path: Path, metadata: Mapping[str, str]) -> int:
        """Run the decision query in Spark and write every row's decision to ``path`` (one
        Parquet file, ``metadata`` in its key-value metadata: the hit table); the rows."""
        from pyspark.sql.pandas.types import to_arrow_schema

        out = self.scratch / f"decisions-{uuid.uuid4().hex[:12]}"
        self.scratch.mkdir(parents=True, exist_ok=True)
        try:
            decided = self._sql(self.sql)
            schema = _nullable(to_arrow_schema(decided.schema)).with_metadata(dict(metadata))
            try:
                decided.write.mode("errorifexists").parquet(str(out.resolve()))
            except Exception as exc:
                raise _failed(exc) from exc
            return _gather(sorted(out.glob("part-*.parquet")), path, schema)
        finally:
            shutil.rmtree(out, ignore_errors=True)


def _nullable_type(kind: pa.DataType) -> pa.DataType:
    if pa.types.is_list(kind):
        return pa.list_(pa.field(kind.value_field.name, _nullable_type(kind.value_type)))
    return kind


def _nullable(schema: pa.Schema) -> pa.Schema:
    """Every column and list element nullable, as DuckDB writes them: Spark marks an array
    whose elements it can prove non-null (``containsNull = false``), which is no part of the
    decision and would make the two engines' column types differ."""
    return pa.schema([pa.field(f.name, _nullable_type(f.type)) for f in schema])


def _gather(parts: Sequence[Path], path: Path, schema: pa.Schema) -> int:
    """Spark's part files → one Parquet file with ``schema``, batch by batch."""
    rows = 0
    with pq.ParquetWriter(path, schema, compression="zstd", compression_level=1) as writer:
        for part in parts:
            for batch in pq.ParquetFile(part).iter_batches(BATCH_ROWS):
                table = pa.Table.from_batches([batch]).select(schema.names)
                writer.write_table(table.cast(schema))
                rows += batch.num_rows
    return rows


__all__ = [
    "DEFAULT_CONF",
    "JAVA_INSTALL",
    "LOCAL_CONF",
    "NAME",
    "Run",
    "SparkSettings",
    "check_available",
    "compiled",
    "java_executable",
    "java_problem",
    "session",
    "version",
]
