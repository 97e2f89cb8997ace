"""The service's settings: one pydantic model, filled by ``minshare serve`` or a test."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    """Everything :func:`~minshare.service.create_app` needs. The defaults embed everything:
    SQLite state in the workspace, local files, loopback only."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    workspace: Path = Field(description="The discloser's workspace (personal data: keep local)")
    db: str | None = Field(
        None, description="State database: postgresql://… ; default WS/service.sqlite"
    )
    ledger: str | None = Field(None, description="Ledger store; default WS/ledger.sqlite")
    orders: tuple[Path, ...] = Field((), description="Order files besides the built-in ones")
    enrollment: tuple[Path, ...] = Field((), description="Enrollment input files for jobs")
    determinations: tuple[Path, ...] = Field((), description="Determination input files")
    registries: tuple[Path, ...] = Field((), description="Facility registry files or directory")
    packages: Path | None = Field(None, description="Where packages are published; WS/packages")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    secure_cookies: bool = Field(True, description="Session cookies only over HTTPS/localhost")
    session_hours: float = Field(8.0, gt=0)
    login_attempts: int = Field(5, ge=1, description="Failed sign-ins allowed per window")
    login_window_seconds: int = Field(60, ge=1)
    # argon2id cost; the defaults follow argon2-cffi's (RFC 9106 low-memory profile). Tests
    # lower them: the hashes are still argon2, only cheaper to compute.
    argon2_time_cost: int = Field(3, ge=1)
    argon2_memory_kib: int = Field(65536, ge=8)

    @property
    def package_dir(self) -> Path:
        return self.packages or self.workspace / "packages"

    @property
    def db_url(self) -> str:
        return self.db or str(self.workspace / "service.sqlite")


__all__ = ["Settings"]
