"""Framework and registry YAML: validation with every error located, another framework end to end,
and ``msi-evidence rules check`` exit codes."""

from __future__ import annotations

import copy

import pytest

from pipeline.errors import RulesError
from pipeline.rules.framework import load_framework
from pipeline.rules.registry import load_registry


def test_packaged_framework_and_registry_load():
    framework = load_framework()
    assert len(framework.reference_points) == 7
    assert len(framework.considerations) == 27
    registry = load_registry()
    for msi in ("KPCS", "EITI", "DUTCH_RBC", "BANGLADESH_ACCORD", "FAIR_FOOD_PROGRAM", "SA8000",
                "FAIRTRADE", "CREST"):
        assert msi in registry.by_id


def test_every_problem_is_listed_with_its_location(write_yaml, packaged_framework_data):
    data = copy.deepcopy(packaged_framework_data)
    del data["reference_points"][0]["considerations"][0]["id"]
    del data["reference_points"][2]["definition"]
    data["reference_points"][1]["considerations"][3]["colour"] = "red"
    data["matching"]["top_kk"] = 3
    path = write_yaml("broken.yaml", data)
    with pytest.raises(RulesError) as info:
        load_framework(path)
    problems = info.value.problems
    assert problems == [
        "[matching -> top_kk] unknown key (check spelling; see evidence_rules/README.md for "
        "allowed keys)",
        "[reference_points -> 0 -> considerations -> 0 -> id] field required",
        "[reference_points -> 1 -> considerations -> 3 -> colour] unknown key (check spelling; "
        "see evidence_rules/README.md for allowed keys)",
        "[reference_points -> 2 -> definition] field required",
    ]
    assert str(path) in str(info.value) and "4 problem(s)" in str(info.value)


def test_duplicate_ids_are_named_with_their_places(write_yaml, packaged_framework_data):
    data = copy.deepcopy(packaged_framework_data)
    first = data["reference_points"][0]["considerations"][0]["id"]
    data["reference_points"][3]["considerations"][1]["id"] = first
    data["reference_points"][5]["id"] = data["reference_points"][4]["id"]
    with pytest.raises(RulesError) as info:
        load_framework(write_yaml("dupes.yaml", data))
    [problem] = info.value.problems
    assert f"'{first}' at [reference_points -> 0 -> considerations -> 0 -> id], " \
           "[reference_points -> 3 -> considerations -> 1 -> id]" in problem
    assert "[reference_points -> 4 -> id], [reference_points -> 5 -> id]" in problem


def test_bad_values_and_yaml_syntax(write_yaml, tmp_path, packaged_framework_data):
    data = copy.deepcopy(packaged_framework_data)
    data["matching"]["threshold"] = 1.5
    data["reference_points"][0]["id"] = "Has Spaces"
    with pytest.raises(RulesError) as info:
        load_framework(write_yaml("values.yaml", data))
    locations = [p.split("]")[0] + "]" for p in info.value.problems]
    assert locations == ["[matching -> threshold]", "[reference_points -> 0 -> id]"]

    bad = tmp_path / "syntax.yaml"
    bad.write_text("framework:\n  id: x\n   name: [unclosed\n", encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_framework(bad)
    assert "line" in info.value.problems[0] and "YAML syntax error" in info.value.problems[0]

    with pytest.raises(RulesError, match="file not found"):
        load_framework(tmp_path / "missing.yaml")


def test_registry_errors(write_yaml):
    data = {"msis": [{"id": "A1", "name": "Alpha Initiative", "acronyms": ["AI"]},
                     {"id": "B1", "name": "Beta Initiative", "acronyms": ["AI"], "sectr": "x"}]}
    with pytest.raises(RulesError) as info:
        load_registry(write_yaml("reg.yaml", data))
    assert info.value.problems == [
        "[msis -> 1 -> sectr] unknown key (check spelling; see evidence_rules/README.md for "
        "allowed keys)"]
    del data["msis"][1]["sectr"]
    with pytest.raises(RulesError, match="acronym 'AI' used by both A1 and B1"):
        load_registry(write_yaml("reg.yaml", data))


def test_rules_check_exit_codes(cli, capsys, write_yaml, packaged_framework_data):
    assert cli("rules", "check") == 0
    out = capsys.readouterr().out
    assert "7 reference points, 27 considerations" in out
    assert "MSI registry with" in out

    data = copy.deepcopy(packaged_framework_data)
    del data["reference_points"][2]["considerations"][0]["id"]
    bad = write_yaml("bad.yaml", data)
    from pipeline.rules.framework import DEFAULT_FRAMEWORK

    assert cli("rules", "check", DEFAULT_FRAMEWORK, bad) == 2
    out = capsys.readouterr().out
    assert "[reference_points -> 2 -> considerations -> 0 -> id] field required" in out
    assert f"{DEFAULT_FRAMEWORK}: ok" in out  # the good file is still checked and reported

    neither = write_yaml("neither.yaml", {"something": 1})
    assert cli("rules", "check", neither) == 2
    assert "neither a framework" in capsys.readouterr().out


def test_run_with_invalid_framework_is_a_usage_error(cli, capsys, sample_corpus, tmp_path,
                                                     write_yaml, packaged_framework_data):
    data = copy.deepcopy(packaged_framework_data)
    data["reference_points"][0]["weight"] = 2
    code = cli("run", sample_corpus, "--db", tmp_path / "x.sqlite", "--model", "hashing",
               "--no-progress", "--framework", write_yaml("bad.yaml", data))
    assert code == 2
    assert "[reference_points -> 0 -> weight] unknown key" in capsys.readouterr().err
    assert not (tmp_path / "x.sqlite").exists()


def test_another_framework_works_end_to_end(run_hashing, cli, capsys, sample_corpus, tmp_path,
                                            write_yaml, query, small_framework):
    path = write_yaml("tiny.yaml", small_framework)
    db = tmp_path / "tiny.sqlite"
    assert cli("rules", "check", path) == 0
    assert "framework tiny-labour v0.1, 2 reference points, 3 considerations" in capsys.readouterr().out
    assert run_hashing(sample_corpus, db, "--framework", path) == 0
    rows = query(db, "SELECT framework_id, reference_point_id, consideration_id, reference_point,"
                     " consideration FROM candidates")
    assert rows
    texts = {c["id"]: c["text"] for rp in small_framework["reference_points"]
             for c in rp["considerations"]}
    for framework_id, rp_id, c_id, rp_name, c_text in rows:
        assert framework_id == "tiny-labour"
        assert c_id in texts and c_text == texts[c_id]
        assert c_id.startswith(rp_id + ".")
        assert rp_name in ("Workers", "Funding")
    # top_k = 1: at most one consideration per passage and MSI.
    per_pair = query(db, "SELECT COUNT(*) FROM candidates GROUP BY passage_id, msi")
    assert max(n for (n,) in per_pair) == 1
    out = tmp_path / "tiny.csv"
    assert cli("export", "--db", db, "--out", out) == 0
    import pandas as pd

    df = pd.read_csv(out, encoding="utf-8-sig")
    assert len(df) == len(rows)
    assert set(df["framework_id"]) == {"tiny-labour"}
