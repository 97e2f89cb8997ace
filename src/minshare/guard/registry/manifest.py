"""registry.json: what a registry was built from, so every decision that used it can be
reproduced and every disclosure manifest can name it."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Format = Literal["nppes", "nppes_pl", "pos", "csv", "nucc"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceFile(_Model):
    path: str = Field(description="The path as given to `minshare registry load`")
    name: str
    format: Format
    sha256: str
    bytes: int
    rows: int = Field(description="Data rows read (header excluded)")
    entries: int = Field(description="Facilities or providers kept from this file")
    skipped: dict[str, int] = Field(default_factory=dict, description="Rows left out, by reason")
    missing_optional_columns: list[str] = Field(default_factory=list)
    snapshot: str | None = Field(None, description="Release date or quarter read off the name")
    version: str | None = Field(None, description="NUCC code set version, for a NUCC file")


class RegistryManifest(_Model):
    schema_version: Literal[1] = 1
    registry_id: str = Field(description="sha256 over the index files, in a fixed order")
    built_at: dt.datetime
    minshare_version: str
    taxonomy_map: str
    terms: str
    nucc_version: str | None = None
    sources: list[SourceFile]
    counts: dict[str, int]
    by_category: dict[str, int]


__all__ = ["Format", "RegistryManifest", "SourceFile"]
