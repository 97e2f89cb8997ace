"""The package manifest: what was disclosed, to whom, under which orders, from which inputs.

``manifest.json`` is the one file of a package that is signed; it names every other file by its
SHA-256, so the signature covers them all. Its bytes are canonical (:func:`manifest_bytes`), so
a verifier can check that what it parsed is exactly what was signed.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PlainSerializer,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)

from minshare import __version__
from minshare.errors import DataError, MinshareError

FormatName = Literal["minshare-package/1"]
FORMAT: FormatName = "minshare-package/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
RECORDS_PARQUET = "records.parquet"
RECORDS_CSV = "records.csv"
DATA_FILES = (RECORDS_PARQUET, RECORDS_CSV)
PACKAGE_FILES = (MANIFEST, SIGNATURE, *DATA_FILES)

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256, lower-case hex")]
Text = Annotated[StrictStr, Field(min_length=1)]


def _utc_text(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S") + (
        f".{value.microsecond:06d}Z" if value.microsecond else "Z"
    )


UtcDateTime = Annotated[
    datetime,
    PlainSerializer(_utc_text, return_type=str, when_used="json"),
    Field(json_schema_extra={"format": "date-time"}),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Engine(_Model):
    name: Text
    version: Text


class Recipient(_Model):
    id: Text
    name: Text
    address: Text


class RequestedBy(_Model):
    name: Text
    title: Text
    agency: Text
    address: Text


class RequestInfo(_Model):
    """The written request the disclosure answers (copied from the request file)."""

    request_id: Text
    recipient: Recipient
    purpose: Text
    activity: Text
    requested_by: RequestedBy
    signed_on: date
    as_of: date
    sha256: Sha256 = Field(description="SHA-256 of the request file's bytes")
    legal_basis: tuple[Text, ...] | None = Field(
        None,
        # Left out of the JSON when absent, so manifests made before this field keep their bytes.
        exclude_if=lambda v: v is None,
        description="The authorities the request cites (its authority_cited), e.g. "
        "5 U.S.C. 552a(b)(7); absent in manifests made before minshare recorded them",
    )


class OrderRef(_Model):
    """An order the disclosure was made under, pinned by the SHA-256 of its file."""

    id: Text
    sha256: Sha256
    file: Text = Field(description="File name of the order, for readers")


class InputRole(StrEnum):
    ENROLLMENT = "enrollment"
    DETERMINATIONS = "determinations"
    REGISTRY = "registry"


class InputRef(_Model):
    role: InputRole
    name: Text = Field(description="File name (no directory: paths are the discloser's business)")
    sha256: Sha256
    rows: NonNegativeInt


class Counts(_Model):
    """Every input row is accounted for: input_rows = disclosed + withheld + review +
    quarantined."""

    input_rows: NonNegativeInt
    disclosed: NonNegativeInt
    withheld: NonNegativeInt
    review: NonNegativeInt
    quarantined: NonNegativeInt

    @model_validator(mode="after")
    def _identity(self) -> Counts:
        total = self.disclosed + self.withheld + self.review + self.quarantined
        if total != self.input_rows:
            raise ValueError(
                f"counts do not add up: input_rows {self.input_rows} != disclosed "
                f"{self.disclosed} + withheld {self.withheld} + review {self.review} + "
                f"quarantined {self.quarantined} (= {total})"
            )
        return self


class SigningKey(_Model):
    algorithm: Literal["ed25519"] = "ed25519"
    key_id: Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]
    public_key: Annotated[
        str,
        Field(
            pattern=r"^[A-Za-z0-9+/]{43}=$",
            description="base64 of the raw 32-byte Ed25519 public key",
        ),
    ]


RecordTreeFormat = Literal["minshare-record-tree/1"]
RECORD_TREE_FORMAT: RecordTreeFormat = "minshare-record-tree/1"
RECORD_TREE_KEY_COLUMNS: tuple[str, str] = ("SUBMTG_STATE_CD", "MSIS_IDENT_NUM")


class RecordTreeRef(_Model):
    """The package's record tree (docs/ledger.md): an RFC 9162 Merkle root over one salted leaf
    per disclosed record, keyed by an HMAC of the person. The ledger entry commits to it, so the
    discloser can prove to any person whether this package included them."""

    model_config = ConfigDict(title="minshare record tree reference")

    format: RecordTreeFormat = RECORD_TREE_FORMAT
    root: Annotated[
        str, Field(pattern=r"^[A-Za-z0-9+/]{43}=$", description="base64 of the 32-byte root")
    ]
    size: NonNegativeInt = Field(description="Leaves: one per disclosed record (record_count)")
    key_columns: tuple[str, str] = Field(
        RECORD_TREE_KEY_COLUMNS,
        description="person key = HMAC-SHA256(secret, first || 0x00 || second)",
    )

    @property
    def root_bytes(self) -> bytes:
        return base64.b64decode(self.root)


# Fields that say how a run went rather than what it disclosed.
RUN_FIELDS = frozenset({"timings"})


class Manifest(_Model):
    """``manifest.json``. ``files``, ``record_count`` and ``signing_key`` are filled by
    :func:`minshare.package.publish.publish_package`; leave them at their defaults."""

    model_config = ConfigDict(
        title="minshare package manifest",
        json_schema_extra={"$id": "https://minshare.invalid/schema/manifest.json"},
    )

    format: FormatName = FORMAT
    minshare_version: Text = __version__
    engine: Engine
    created_at: UtcDateTime = Field(
        default_factory=lambda: datetime.now(UTC).replace(microsecond=0),
        description="When the package was made (UTC)",
    )
    timings: dict[str, Annotated[float, Field(ge=0)]] = Field(
        default_factory=dict, description="Seconds per stage; ignored when manifests are compared"
    )
    request: RequestInfo
    orders: list[OrderRef]
    inputs: list[InputRef]
    counts: Counts
    columns: Annotated[list[Text], Field(min_length=1)] = Field(
        description="The disclosed columns (TAF names), in file order"
    )
    record_count: NonNegativeInt = 0
    files: dict[str, Sha256] = Field(default_factory=dict, description="File name -> SHA-256")
    signing_key: SigningKey | None = None
    record_tree: RecordTreeRef | None = Field(
        None,
        description="The record tree's root, filled by the engine before signing; the ledger "
        "records only manifests that have one",
    )
    extra: dict[str, Any] = Field(
        default_factory=dict, description="Additions of later versions (registry, reasons)"
    )

    @field_validator("created_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("created_at needs a time zone (UTC)")
        return value.astimezone(UTC)

    @field_validator("columns")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        dupes = sorted({c for c in value if value.count(c) > 1})
        if dupes:
            raise ValueError(f"column listed twice: {', '.join(dupes)}")
        return value

    @model_validator(mode="after")
    def _tree_covers_the_records(self) -> Manifest:
        # Before publishing, record_count is not filled in yet; once signed, the tree must have
        # exactly one leaf per record.
        tree = self.record_tree
        if tree is not None and self.signing_key is not None and tree.size != self.record_count:
            raise ValueError(
                f"the record tree has {tree.size} leaves but the package {self.record_count} "
                "records"
            )
        return self

    def __eq__(self, other: object) -> bool:
        # Two runs that disclosed the same thing are equal however long they took.
        if not isinstance(other, Manifest):
            return NotImplemented
        return self.model_dump(exclude=set(RUN_FIELDS)) == other.model_dump(exclude=set(RUN_FIELDS))

    __hash__ = None  # type: ignore[assignment]


def manifest_bytes(manifest: Manifest) -> bytes:
    """Canonical bytes: JSON, keys sorted, 2-space indent, UTF-8, one trailing newline."""
    data = manifest.model_dump(mode="json")
    text = json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def _no_constant(name: str) -> Any:
    raise DataError(f"{name} is not a JSON number", file=MANIFEST)


def parse_manifest(data: bytes, *, file: str = MANIFEST) -> Manifest:
    """A manifest from bytes; every problem in one :class:`DataError` with the field."""
    try:
        obj = json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError as exc:
        raise DataError(f"not UTF-8 at byte {exc.start}", file=file) from exc
    except json.JSONDecodeError as exc:
        raise DataError(exc.msg, file=file, line=exc.lineno, column=exc.colno) from exc
    try:
        return Manifest.model_validate(obj)
    except ValidationError as exc:
        problems: list[MinshareError] = [
            DataError(e["msg"], file=file, field=".".join(str(p) for p in e["loc"]) or None)
            for e in exc.errors()
        ]
        raise DataError("manifest does not match its schema", file=file, details=problems) from exc


def manifest_schema() -> dict[str, Any]:
    """JSON Schema of ``manifest.json``."""
    return Manifest.model_json_schema(mode="serialization")


def schema_text() -> str:
    return json.dumps(manifest_schema(), indent=2, sort_keys=True) + "\n"
