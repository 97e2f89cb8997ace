"""The disclosure ledger: an RFC 9162 Merkle log of package manifests with C2SP signed
checkpoints, the record tree committed in each package, the accounting of disclosures per person,
and self-contained proofs of inclusion and of non-inclusion. See ``docs/ledger.md``.

The engine's part (``docs/ledger.md``, "Integration"): :func:`build_record_tree` over the
disclosed records, its :meth:`RecordTree.ref` into ``Manifest.record_tree``, publish, then
:func:`append_manifest` with the published ``manifest.json`` bytes.
"""

from __future__ import annotations

from minshare.ledger.account_requests import (
    AccountingRequest,
    answer_request,
    extend_request,
    record_request,
    request_statuses,
)
from minshare.ledger.accounting import (
    Accounting,
    AccountingEntry,
    SummaryEntry,
    Suspension,
    accounting_for,
    end_suspension,
    link_written_statement,
    purge,
    suspend,
    suspensions,
)
from minshare.ledger.checkpoint import (
    Checkpoint,
    Cosigner,
    CosignerKey,
    open_checkpoint,
    parse_checkpoint,
    parse_cosigner_vkey,
)
from minshare.ledger.errors import LedgerError, ProofError, RetentionError
from minshare.ledger.log import (
    Appended,
    Ledger,
    append_manifest,
    check_entry,
    ledger_session,
    open_ledger,
)
from minshare.ledger.merkle import TreeHasher, verify_consistency, verify_inclusion
from minshare.ledger.note import Ed25519Verifier, parse_vkey
from minshare.ledger.proofs import BundleReport, ProofBundle, prove_person, verify_bundle
from minshare.ledger.records import (
    RecordTree,
    RecordTreeRef,
    StoredRecordTree,
    build_record_tree,
    ledger_secret,
    person_key,
)
from minshare.ledger.tiles import export_tiles, read_tiles
from minshare.ledger.verify import LedgerReport, verify_ledger

__all__ = [
    "Accounting",
    "AccountingEntry",
    "AccountingRequest",
    "Appended",
    "BundleReport",
    "Checkpoint",
    "Cosigner",
    "CosignerKey",
    "Ed25519Verifier",
    "Ledger",
    "LedgerError",
    "LedgerReport",
    "ProofBundle",
    "ProofError",
    "RecordTree",
    "RecordTreeRef",
    "RetentionError",
    "StoredRecordTree",
    "SummaryEntry",
    "Suspension",
    "TreeHasher",
    "accounting_for",
    "answer_request",
    "append_manifest",
    "build_record_tree",
    "check_entry",
    "end_suspension",
    "export_tiles",
    "extend_request",
    "ledger_secret",
    "ledger_session",
    "link_written_statement",
    "open_checkpoint",
    "open_ledger",
    "parse_checkpoint",
    "parse_cosigner_vkey",
    "parse_vkey",
    "person_key",
    "prove_person",
    "purge",
    "read_tiles",
    "record_request",
    "request_statuses",
    "suspend",
    "suspensions",
    "verify_bundle",
    "verify_consistency",
    "verify_inclusion",
    "verify_ledger",
]
