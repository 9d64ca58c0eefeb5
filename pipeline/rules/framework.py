"""The evaluation framework (reference points and their considerations) as validated data.

Nothing about a particular framework is hard-coded: any YAML file following this schema works.
"""

from __future__ import annotations

import hashlib
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipeline.rules.schema import read_yaml, validate

DEFAULT_FRAMEWORK = Path(__file__).resolve().parents[2] / "evidence_rules" / "framework.yaml"

_ID_PATTERN = r"^[a-z0-9][a-z0-9_.\-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Examples(_Strict):
    """Example phrasings of evidence: a passage that meets, or fails, the consideration."""

    meets: tuple[str, ...] = ()
    fails: tuple[str, ...] = ()


class KeywordRule(_Strict):
    """A lexical cue: a phrase (case-insensitive) or a spaCy Matcher token pattern, with a weight."""

    phrase: str | None = None
    pattern: tuple[dict, ...] | None = None
    weight: float = Field(default=1.0, ge=-5, le=5)
    polarity: str | None = Field(default=None, pattern="^(supports|undermines)$")

    @model_validator(mode="after")
    def _one_of(self) -> KeywordRule:
        if (self.phrase is None) == (self.pattern is None):
            raise ValueError("give exactly one of 'phrase' or 'pattern'")
        return self


class BlindMaterial(_Strict):
    """Example phrasings and keyword rules written without reading any document the tool is
    evaluated on (from the framework text and general knowledge only). They are matched like
    the others; kept apart so that an estimate of how the scorer does on unseen writing can be
    made from them alone (``Framework.blind_only``)."""

    examples: Examples = Examples()
    keywords: tuple[KeywordRule, ...] = ()


def _merged(a: Examples, b: Examples) -> Examples:
    return Examples(meets=a.meets + b.meets, fails=a.fails + b.fails)


class Consideration(_Strict):
    id: str = Field(pattern=_ID_PATTERN)
    text: str = Field(min_length=1)
    description: str = ""
    examples: Examples = Examples()
    keywords: tuple[KeywordRule, ...] = ()
    blind: BlindMaterial = BlindMaterial()

    @property
    def all_examples(self) -> Examples:
        return _merged(self.examples, self.blind.examples)

    @property
    def all_keywords(self) -> tuple[KeywordRule, ...]:
        return self.keywords + self.blind.keywords


class ReferencePoint(_Strict):
    id: str = Field(pattern=_ID_PATTERN)
    name: str = Field(min_length=1)
    definition: str = Field(min_length=1)
    threshold: float | None = Field(default=None, ge=0, le=1)
    definition_examples: Examples = Examples()
    keywords: tuple[KeywordRule, ...] = ()  # definition-level cues, shared by its considerations
    blind: BlindMaterial = BlindMaterial()  # definition-level, written blind
    considerations: tuple[Consideration, ...] = Field(min_length=1)

    @property
    def all_definition_examples(self) -> Examples:
        return _merged(self.definition_examples, self.blind.examples)

    @property
    def all_keywords(self) -> tuple[KeywordRule, ...]:
        return self.keywords + self.blind.keywords


class Calibration(_Strict):
    """Logistic-regression weights over the component scores (see pipeline.scoring.features)."""

    intercept: float
    weights: dict[str, float]
    fitted_on: str = ""  # provenance note: data, split and command that produced the weights

    @model_validator(mode="after")
    def _known_features(self) -> Calibration:
        from pipeline.scoring.features import FEATURES

        unknown = sorted(set(self.weights) - set(FEATURES))
        if unknown:
            raise ValueError(f"unknown feature(s) {unknown}; known: {list(FEATURES)}")
        return self


class PolaritySettings(_Strict):
    """How cue scores become supports / undermines / neutral (see pipeline.scoring.polarity)."""

    margin: float = Field(default=0.5, ge=0)  # |score| below this is neutral
    bias: float = 0.0  # added to every score (> 0 leans towards supports)
    example_weight: float = Field(default=4.0, ge=0)  # weight of sim(meets) - sim(fails)
    # Weight of the cues in the passage's other evidence sentences (their mean cue score): the
    # sentence that carries the verdict is not always the one quoted.
    context_weight: float = Field(default=0.0, ge=0)


class MatchSettings(_Strict):
    threshold: float = Field(default=0.5, ge=0, le=1)
    top_k: int = Field(default=2, ge=1, le=50)
    min_words: int = Field(default=8, ge=1)
    # At most this many candidates per 1,000 words of a document, highest scores first
    # (None: every candidate above the threshold).
    budget_per_1000_words: float | None = Field(default=None, gt=0)
    calibration: Calibration | None = None  # None: pipeline.scoring.combine.DEFAULT_CALIBRATION
    polarity: PolaritySettings = PolaritySettings()
    # Folder of a learned evidence model (pipeline.learn), relative to the project root unless
    # absolute; when set, it scores candidates instead of the calibration above.
    model: str | None = None


class FrameworkInfo(_Strict):
    id: str = Field(pattern=_ID_PATTERN)
    name: str
    version: str
    source: str = ""


class Framework(_Strict):
    framework: FrameworkInfo
    matching: MatchSettings = MatchSettings()
    reference_points: tuple[ReferencePoint, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Framework:
        where: dict[str, list[str]] = {}
        for i, rp in enumerate(self.reference_points):
            where.setdefault(rp.id, []).append(f"reference_points -> {i} -> id")
            for j, c in enumerate(rp.considerations):
                where.setdefault(c.id, []).append(
                    f"reference_points -> {i} -> considerations -> {j} -> id")
        dupes = [f"{ident!r} at [{'], ['.join(places)}]"
                 for ident, places in where.items() if len(places) > 1]
        if dupes:
            raise ValueError(f"ids must be unique across the framework; repeated: {'; '.join(dupes)}")
        return self

    @property
    def id(self) -> str:
        return self.framework.id

    @property
    def version(self) -> str:
        return self.framework.version

    @cached_property
    def considerations(self) -> tuple[tuple[ReferencePoint, Consideration], ...]:
        return tuple((rp, c) for rp in self.reference_points for c in rp.considerations)

    @cached_property
    def by_consideration_id(self) -> dict[str, tuple[ReferencePoint, Consideration]]:
        return {c.id: (rp, c) for rp, c in self.considerations}

    def threshold_for(self, rp: ReferencePoint) -> float:
        return rp.threshold if rp.threshold is not None else self.matching.threshold

    def blind_only(self) -> Framework:
        """This framework without the material written from documents: no consideration
        descriptions, seed-derived examples or keyword rules, only the framework's own texts
        and the ``blind`` blocks. Used to estimate performance on unseen writing."""
        data = self.model_dump()
        for rp in data["reference_points"]:
            rp["definition_examples"], rp["keywords"] = {}, []
            for c in rp["considerations"]:
                c["description"], c["examples"], c["keywords"] = "", {}, []
        return Framework.model_validate(data)

    def fingerprint(self) -> str:
        """A hash of the validated content and of the learned model's version: changes
        whenever matching could change."""
        from pipeline.learn import learned_version

        content = self.model_dump_json() + learned_version(self.matching.model)
        return hashlib.sha256(content.encode()).hexdigest()[:16]


def with_model_dir(framework: Framework, model_dir: str | None) -> Framework:
    """``framework`` scoring with the learned model in ``model_dir`` ("none": the hand-tuned
    scorer; None: as the framework says)."""
    if model_dir is None:
        return framework
    matching = framework.matching.model_copy(update={"model": str(model_dir)})
    return framework.model_copy(update={"matching": matching})


def load_framework(path: str | Path | None = None) -> Framework:
    """Load and validate a framework YAML file (the packaged default when ``path`` is None)."""
    path = Path(path) if path else DEFAULT_FRAMEWORK
    return validate(Framework, read_yaml(path), str(path))
