"""The MSI registry: coverage, schema checks, and checking a reviewer's MSI id."""

from __future__ import annotations

import pytest
import yaml

from pipeline.errors import RulesError
from pipeline.records import GENERAL
from pipeline.rules.registry import DEFAULT_REGISTRY, UnknownMsiError, load_registry

SEED_MSIS = {"KPCS", "EITI", "DUTCH_RBC", "BANGLADESH_ACCORD", "FAIR_FOOD_PROGRAM", "SA8000",
             "FAIRTRADE", "FLA", "RAINFOREST_ALLIANCE", "CREST", "INDONESIA_FOA_PROTOCOL",
             "LESOTHO_GBV_AGREEMENTS"}
SECTORS = ["extractives", "minerals", "apparel", "agriculture", "palm oil", "fisheries", "forestry",
           "recruitment", "toys", "tourism", "tech", "finance"]


def test_registry_covers_the_seeds_and_the_sectors(registry):
    assert len(registry.msis) >= 60
    assert set(registry.by_id) >= SEED_MSIS
    for sector in SECTORS:
        assert any(m.sector.startswith(sector) for m in registry.msis), sector
    for msi in registry.msis:
        assert msi.owner and msi.sector, msi.id
        assert not msi.website or msi.website.startswith("https://"), msi.id


def test_short_acronyms_named_in_the_issue_are_guarded(registry):
    guarded = {a: m.id for m in registry.msis for a in m.guarded_acronyms}
    assert {"KP": "KPCS", "ETI": "ETI", "FSC": "FSC", "RBA": "RBA"}.items() <= guarded.items()
    for acronym, msi_id in guarded.items():
        assert registry.by_id[msi_id].context_keywords, f"{acronym} of {msi_id} has no context"


def _write(tmp_path, msis):
    path = tmp_path / "registry.yaml"
    path.write_text(yaml.safe_dump({"version": "1", "msis": msis}), encoding="utf-8")
    return path


def test_schema_errors_are_reported_with_their_place(tmp_path):
    path = _write(tmp_path, [
        {"id": "A", "name": "Alpha Initiative", "context_keyword": ["x"]},
        {"id": "B", "name": "Beta Council", "website": "not a url"},
        {"id": "C", "name": "Gamma Scheme", "acronyms": ["GS"], "guarded_acronyms": ["GS"]},
    ])
    with pytest.raises(RulesError) as err:
        load_registry(path)
    text = str(err.value)
    assert "[msis -> 0 -> context_keyword] unknown key" in text
    assert "[msis -> 1 -> website]" in text
    assert "both as acronyms and guarded_acronyms" in text


def test_the_same_acronym_for_two_msis_is_refused(tmp_path):
    path = _write(tmp_path, [{"id": "A", "name": "Alpha Initiative", "guarded_acronyms": ["AI"]},
                             {"id": "B", "name": "Another Initiative", "acronyms": ["AI"]}])
    with pytest.raises(RulesError, match="acronym 'AI' used by both A and B"):
        load_registry(path)


def test_check_msi_accepts_ids_and_general_and_explains_unknown_ids(registry):
    assert registry.check_msi("KPCS") == "KPCS"
    assert registry.check_msi(GENERAL) == GENERAL
    with pytest.raises(UnknownMsiError, match="did you mean 'KPCS'"):
        registry.check_msi("kpcs")
    with pytest.raises(UnknownMsiError, match="msi_registry.yaml"):
        registry.check_msi("NOT_AN_MSI")


def test_packaged_registry_passes_rules_check(cli, capsys):
    assert cli("rules", "check", DEFAULT_REGISTRY) == 0
    assert "MSI registry with" in capsys.readouterr().out
