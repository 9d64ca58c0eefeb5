"""What a reviewer may choose from: the framework's considerations, the registry's MSIs, the
polarities. Loaded once when the server starts."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cached_property

from pipeline.records import GENERAL
from pipeline.rules.framework import Framework, ReferencePoint, load_framework
from pipeline.rules.registry import Registry, load_registry

POLARITIES = ("supports", "undermines", "neutral")


@dataclass(frozen=True)
class Vocabulary:
    framework: Framework
    registry: Registry

    @classmethod
    def load(cls, framework: str | None = None, registry: str | None = None) -> Vocabulary:
        return cls(load_framework(framework), load_registry(registry))

    @cached_property
    def msi_ids(self) -> tuple[str, ...]:
        return (*(m.id for m in self.registry.msis), GENERAL)

    def msi_name(self, msi_id: str) -> str:
        msi = self.registry.by_id.get(msi_id)
        return msi.name if msi else msi_id

    @cached_property
    def reference_points(self) -> dict[str, ReferencePoint]:
        return {rp.id: rp for rp in self.framework.reference_points}

    def consideration_text(self, consideration_id: str) -> str:
        found = self.framework.by_consideration_id.get(consideration_id)
        return found[1].text if found else consideration_id

    def check_correction(
        self, *, msi: str | None, consideration_id: str | None, polarity: str | None
    ) -> None:
        """Raise ValueError naming the field when a correction is not in the vocabulary."""
        if msi and msi not in self.msi_ids:
            raise ValueError(f"unknown MSI {msi!r}{_did_you_mean(msi, self.msi_ids)}: choose one "
                             f"of the registry's ids or {GENERAL}")
        if consideration_id and consideration_id not in self.framework.by_consideration_id:
            raise ValueError(
                f"unknown consideration {consideration_id!r} for framework {self.framework.id}"
                f"{_did_you_mean(consideration_id, list(self.framework.by_consideration_id))}"
            )
        if polarity and polarity not in POLARITIES:
            raise ValueError(f"polarity must be one of {', '.join(POLARITIES)}")


def _did_you_mean(given: str, known) -> str:
    close = difflib.get_close_matches(given, list(known), n=3, cutoff=0.6)
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
