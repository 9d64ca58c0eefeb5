"""The source proposer on small made-up documents, and the registry fields it reads."""

from __future__ import annotations

import pytest

from pipeline.errors import RulesError
from pipeline.rules.registry import load_registry
from pipeline.rules.schema import validate
from pipeline.run.manifest import ManifestEntry
from pipeline.sources.proposal import DocumentFacts, SourceProposer, title_source


@pytest.fixture(scope="module")
def proposer():
    return SourceProposer(load_registry())


def propose(proposer, title, front, msis=("MSC",), manifest=None):
    facts = DocumentFacts(doc_id="d" * 64, title=title, front=front,
                          msi_counts=dict.fromkeys(msis, 3), manifest=manifest)
    return proposer.propose(facts)


def test_copyright_line_of_the_msi_makes_it_self_reported(proposer):
    record = propose(proposer, "Labour requirements", "Labour Requirements v1.0\n"
                     "Date of publication: 26 October 2022 © Marine Stewardship Council 2022\n")
    assert (record.kind, record.independence, record.about_msis) == ("msi_own", "self-reported",
                                                                     ("MSC",))
    assert record.published == "2022-10-26" and "copyright" in record.reason
    assert record.independence_for("MSC") == "self-reported"
    assert record.independence_for("FSC") == "independent"  # only towards the MSI that speaks


def test_commissioned_by_the_msi(proposer):
    record = propose(proposer, "A review of the impact of Fairtrade (Author, Institute, 2009)",
                     "This paper summarises a review commissioned by the Fairtrade Foundation "
                     "and conducted by an institute in 2009.", msis=("FAIRTRADE",))
    assert (record.kind, record.independence, record.about_msis) == (
        "commissioned_evaluation", "commissioned", ("FAIRTRADE",))
    assert record.year == 2009


def test_msi_domain_counts_as_its_own_publication(proposer):
    record = propose(proposer, "Complaints", "Complaints procedure. See www.rspo.org/complaints "
                     "for the forms.", msis=("RSPO",))
    assert record.kind == "msi_own" and record.about_msis == ("RSPO",)
    assert "domain" in record.reason


@pytest.mark.parametrize("title, kind", [
    ("Watchdog under fire (Jo Writer, The Guardian, June 2013)", "news"),
    ("Economics of certification (Smith & Lee, Journal of Development Studies 12(3), 2014)",
     "academic"),
    ("Greenpeace leaves the scheme (Greenpeace International, March 2018)", "ngo_critique"),
    ("Inquiry into supply chains (House of Commons Committee, 2003)", "government"),
])
def test_word_cues_pick_the_kind(proposer, title, kind):
    record = propose(proposer, title, title + "\n\nThe Marine Stewardship Council certifies "
                     "fisheries.")
    assert record.kind == kind and record.independence == "independent"
    assert record.about_msis == () and record.independence_for("MSC") == "independent"


def test_self_described_independent_assessment(proposer):
    record = propose(proposer, "Protecting the cornerstone (Example Watch, February 2015)",
                     "This assessment of the groups was conducted independently of the EITI.",
                     msis=("EITI",))
    assert record.kind == "independent_evaluation" and record.independence == "independent"


def test_manifest_values_win(proposer, tmp_path):
    entry = ManifestEntry(path=str(tmp_path / "x.txt"), kind="evaluation", publisher="Some Lab",
                          date="2021-04", independence="commissioned", msi="MSC")
    record = propose(proposer, "Anything", "© Marine Stewardship Council 2019", manifest=entry)
    assert (record.kind, record.publisher, record.published) == (
        "independent_evaluation", "Some Lab", "2021-04")
    assert record.independence == "commissioned" and record.origin == "manifest"


def test_nothing_to_go_on(proposer):
    record = propose(proposer, "Notes", "Plain words.", msis=())
    assert (record.kind, record.independence, record.confidence) == ("other", "independent", 0.2)
    assert record.published == "" and "no publication date" in record.reason


def test_title_source():
    assert title_source("X (Will Writer, The Paper, June 2013)") == "The Paper"
    assert title_source("X (Example Foundation press release, October 2013)") == \
        "Example Foundation"
    assert title_source("No brackets") == ""


def test_registry_checks_domains_and_publishers():
    from pipeline.rules.registry import Registry

    base = {"id": "AAA", "name": "Alpha Initiative"}
    ok = validate(Registry, {"msis": [{**base, "domains": ["alpha.org"],
                                       "website": "https://www.alpha.org",
                                       "publishers": ["Alpha Secretariat"]}]}, "x")
    assert ok.msis[0].own_domains == ("alpha.org",)
    assert ok.msis[0].own_publishers == ("Alpha Initiative", "Alpha Secretariat")
    with pytest.raises(RulesError) as bad_domain:
        validate(Registry, {"msis": [{**base, "domains": ["https://alpha.org/x"]}]}, "x")
    assert "domains -> 0" in str(bad_domain.value)
    with pytest.raises(RulesError) as shared:
        validate(Registry, {"msis": [{**base, "domains": ["alpha.org"]},
                                     {"id": "BBB", "name": "Beta Initiative",
                                      "domains": ["alpha.org"]}]}, "x")
    assert "listed by both AAA and BBB" in str(shared.value)
    with pytest.raises(RulesError) as other_name:
        validate(Registry, {"msis": [base, {"id": "BBB", "name": "Beta Initiative",
                                            "publishers": ["Alpha Initiative"]}]}, "x")
    assert "is the name of AAA" in str(other_name.value)
