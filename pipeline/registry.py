"""The MSI registry: canonical names, acronyms and aliases of initiatives, as validated data."""

from __future__ import annotations

import hashlib
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipeline.records import GENERAL
from pipeline.rules_schema import read_yaml, validate

DEFAULT_REGISTRY = Path(__file__).resolve().parent.parent / "evidence_rules" / "msi_registry.yaml"


class Msi(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")
    name: str = Field(min_length=3)
    acronyms: tuple[str, ...] = ()  # matched case-sensitively
    aliases: tuple[str, ...] = ()  # matched case-insensitively
    # Acronyms that are short or shared with other things ("KP", "ETI") only count when the
    # document mentioned the full name or an alias first.
    guarded_acronyms: tuple[str, ...] = ()
    owner: str = ""
    sector: str = ""
    website: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


class Registry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = "1"
    msis: tuple[Msi, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Registry:
        problems = []
        ids = [m.id for m in self.msis]
        if GENERAL in ids:
            problems.append(f"'{GENERAL}' is reserved for passages about MSIs in general")
        if len(set(ids)) != len(ids):
            problems.append(f"repeated MSI ids: {sorted({i for i in ids if ids.count(i) > 1})}")
        owners: dict[str, str] = {}
        for m in self.msis:
            for surface in (*m.acronyms, *m.guarded_acronyms):
                if surface in owners and owners[surface] != m.id:
                    problems.append(f"acronym {surface!r} used by both {owners[surface]} and {m.id}")
                owners[surface] = m.id
            for surface in m.names:
                key = surface.lower()
                if key in owners and owners[key] != m.id:
                    problems.append(f"name {surface!r} used by both {owners[key]} and {m.id}")
                owners[key] = m.id
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @cached_property
    def by_id(self) -> dict[str, Msi]:
        return {m.id: m for m in self.msis}

    def fingerprint(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


def load_registry(path: str | Path | None = None) -> Registry:
    """Load and validate an MSI registry YAML file (the packaged default when ``path`` is None)."""
    path = Path(path) if path else DEFAULT_REGISTRY
    return validate(Registry, read_yaml(path), str(path))
