"""The MSI registry: canonical names, acronyms and aliases of initiatives, as validated data."""

from __future__ import annotations

import hashlib
from functools import cached_property
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipeline.errors import MsiEvidenceError
from pipeline.records import GENERAL
from pipeline.rules.schema import read_yaml, validate

DEFAULT_REGISTRY = Path(__file__).resolve().parents[2] / "evidence_rules" / "msi_registry.yaml"


_DOMAIN = r"^[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)+$"  # a lower-case host name, no scheme or path


class UnknownMsiError(MsiEvidenceError):
    """An MSI id (e.g. a reviewer's correction) that the registry does not know."""


class Msi(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")
    name: str = Field(min_length=3)
    acronyms: tuple[str, ...] = ()  # matched case-sensitively
    aliases: tuple[str, ...] = ()  # matched case-insensitively
    # Acronyms that are short or shared with other things ("KP", "ETI") only count when the
    # context supports them: the document named the MSI in full earlier, or one of the
    # ``context_keywords`` (sector words such as "diamond", "forest") occurs in the passage.
    guarded_acronyms: tuple[str, ...] = ()
    context_keywords: tuple[str, ...] = ()  # case-insensitive word prefixes
    # Head nouns of definite descriptions that may refer back to this MSI when it is in focus
    # ("the Scheme", "the Accord"); the last word of the name is always one of them.
    anaphora: tuple[str, ...] = ()
    # Match the name and aliases case-sensitively too: for names that are also common phrases
    # ("Better Work", "Accountability Framework").
    exact_case: bool = False
    owner: str = ""
    sector: str = ""
    website: str = Field(default="", pattern=r"^(https?://\S+)?$")
    # Who speaks for the MSI: organisations whose publications are the MSI's own (its secretariat,
    # its owner) and the web domains it publishes under (the website's host counts too). They
    # decide from data whether a document is "published by the MSI" (pipeline/sources).
    publishers: tuple[str, ...] = ()
    domains: tuple[Annotated[str, Field(pattern=_DOMAIN)], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def own_domains(self) -> tuple[str, ...]:
        """Lower-case host names the MSI publishes under (``domains`` plus the website's host)."""
        hosts = [d.lower().removeprefix("www.") for d in self.domains]
        if self.website:
            host = urlsplit(self.website).hostname or ""
            hosts.append(host.lower().removeprefix("www."))
        return tuple(dict.fromkeys(h for h in hosts if h))

    @property
    def own_publishers(self) -> tuple[str, ...]:
        """Names whose publications are the MSI's own: its name, aliases and ``publishers``."""
        return tuple(dict.fromkeys((*self.names, *self.publishers)))

    @property
    def anaphora_nouns(self) -> frozenset[str]:
        """Lower-case head nouns that a definite description of this MSI may use."""
        heads = {n.split()[-1].lower() for n in self.names if len(n.split()) > 1}
        return frozenset({*heads, *(a.lower() for a in self.anaphora)})

    @model_validator(mode="after")
    def _guarded_need_context(self) -> Msi:
        overlap = set(self.acronyms) & set(self.guarded_acronyms)
        if overlap:
            raise ValueError(f"{sorted(overlap)} listed both as acronyms and guarded_acronyms")
        return self


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
        # Who speaks for an MSI must not be another MSI: an explicit domain belongs to one MSI
        # (two MSIs may share a website, e.g. accords run by one secretariat), and a publisher
        # may not be another MSI's name or alias.
        domains: dict[str, str] = {}
        for m in self.msis:
            for domain in m.domains:
                domain = domain.removeprefix("www.")
                if domain in domains and domains[domain] != m.id:
                    problems.append(f"domain {domain!r} listed by both {domains[domain]} and {m.id}")
                domains[domain] = m.id
            for publisher in m.publishers:
                other = owners.get(publisher.lower())
                if not publisher.strip():
                    problems.append(f"{m.id}: empty publisher")
                elif other and other != m.id:
                    problems.append(f"{m.id}: publisher {publisher!r} is the name of {other}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @cached_property
    def by_id(self) -> dict[str, Msi]:
        return {m.id: m for m in self.msis}

    def check_msi(self, msi_id: str) -> str:
        """Return ``msi_id`` if it is a registry id or GENERAL; else raise UnknownMsiError."""
        if msi_id == GENERAL or msi_id in self.by_id:
            return msi_id
        folded = {m.id.lower(): m.id for m in self.msis}
        hint = (f"did you mean {folded[msi_id.lower()]!r}? " if msi_id.lower() in folded else "")
        raise UnknownMsiError(
            f"{msi_id!r} is not an MSI id in the registry; {hint}use one of the ids listed by "
            f"`msi-evidence rules check` (e.g. {', '.join(sorted(self.by_id)[:4])}, ...) or "
            f"{GENERAL}, or add the MSI to evidence_rules/msi_registry.yaml")

    def fingerprint(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


def load_registry(path: str | Path | None = None) -> Registry:
    """Load and validate an MSI registry YAML file (the packaged default when ``path`` is None)."""
    path = Path(path) if path else DEFAULT_REGISTRY
    return validate(Registry, read_yaml(path), str(path))
