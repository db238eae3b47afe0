"""claimx's exceptions: one base class, a stable code per kind, messages that say the fix.

Every error claimx raises on purpose is a `ClaimxError`; its `code` stays the same across releases,
so scripts can test for it, and the command line prints it with the message
(`claimx: error: [E002] ...`). Errors about one input record do not stop a run: they become lines
of the error report (`claimx.RecordError`).

| code | class | raised when |
|---|---|---|
| E001 | `ModelError` | a model name or folder, device or precision cannot be used |
| E002 | `InputError` | input files or folders are missing or of an unknown format |
| E003 | `UsageError` | options, output paths or a resumed run that cannot work together |
| E004 | `ResultsError` | a file given as `claimx extract` output cannot be read back |
| E005 | `InvalidRecordError` | one input record cannot be processed (`ex.pipe` raises it) |

`Interrupted` (a `KeyboardInterrupt`, no code) is Ctrl-C during a run, raised once what was done is saved.
"""

from __future__ import annotations

__all__ = ["ClaimxError", "InputError", "Interrupted", "InvalidRecordError", "ModelError", "ResultsError", "UsageError"]


class ClaimxError(Exception):
    """Base of claimx's errors; `code` names the kind (table in the module docstring)."""

    code = "E000"


class ModelError(ClaimxError):
    """A model name or folder, device or precision that cannot be used."""

    code = "E001"


class InputError(ClaimxError):
    """Input files or folders that cannot be read at all (missing, unknown format)."""

    code = "E002"


class UsageError(ClaimxError):
    """Options or output paths that cannot work together."""

    code = "E003"


class ResultsError(ClaimxError):
    """A file given as `claimx extract` output that cannot be read back."""

    code = "E004"


class InvalidRecordError(ClaimxError, ValueError):
    """One input record that cannot be processed; the message says what is wrong and how to fix it."""

    code = "E005"


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a job, raised once what was done is saved; `resumable` when `--resume` can go on."""

    def __init__(self, records: int, resumable: bool, *, started: bool = True) -> None:
        self.records = records
        self.resumable = resumable
        if resumable:
            how = "rerun the same command with --resume to continue"
        elif not started:
            how = "nothing was written; rerun the same command"
        else:
            how = "the output was not a file (-o), so the run cannot be resumed"
        super().__init__(f"interrupted after {records} records; {how}")
