"""Domain errors. The CLI turns these into one clear message and an exit code."""

from __future__ import annotations


class MsiEvidenceError(Exception):
    """Base class for errors a user can act on; the message says what to do next."""


class RulesError(MsiEvidenceError):
    """A framework or registry file failed validation; ``problems`` lists every error found."""

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = problems
        listed = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{path}: {len(problems)} problem(s)\n{listed}")


class StoreError(MsiEvidenceError):
    """The SQLite store could not be opened or written."""


class StoreLockedError(StoreError):
    """Another process held the database lock longer than the busy timeout."""


class UnknownCandidateError(MsiEvidenceError):
    """A decision named a candidate id that is not in the store."""


class ModelLoadError(MsiEvidenceError):
    """The embedding model could not be loaded from the given name or path."""
