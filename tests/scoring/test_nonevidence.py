"""Non-evidence (bylines, contacts, calls to action, bios, recommendations) is suppressed."""

from __future__ import annotations

import pytest

from pipeline.scoring.match import match_passages
from pipeline.scoring.nonevidence import nonevidence_kind


@pytest.mark.parametrize("sentence, kind", [
    ("by Jaff Bamenjo, Coordinator of RELUFA/Cameroon", "byline"),
    ("By Manon Wolfkamp, David Ollivier de Leth and Mariëtte van Huijstee", "byline"),
    ("Contact: Teddy Ostrow", "contact"),
    ("teddy@example.org / +1 (718) 594-5873", "contact"),
    ("Read the full article covering the new report here.", "call_to_action"),
    ("Listen to the full interview broadcast here.", "call_to_action"),
    ("The report and related materials are available from www.example.org/report", "call_to_action"),
    ("This is the third contribution in a joint blog series by the Clinic and MSI Integrity.",
     "series_note"),
    ("Harris Gleckman is Senior Fellow at the Center for Governance and Sustainability.",
     "author_bio"),
    ("His latest book was published by Routledge in 2018.", "author_bio"),
    ("MSIs should be more inclusive of local communities.", "recommendation"),
    ("Engage new private sector partners and provide support to existing partners.",
     "recommendation"),
    ("Artisanal miners in the East Region (Photo: RELUFA, 2016).", "caption"),
    ("[12] Smith, J. (2019). Certification and its limits.", "reference"),
    ("Budget: SEK 94,862,326", "heading_like"),
])
def test_non_evidence_sentences_are_recognised(sentence, kind):
    assert nonevidence_kind(sentence) == kind


@pytest.mark.parametrize("sentence", [
    "Its other two pillars, civil society and industry, are sidelined, since decisions are made "
    "only through consensus by participating governments.",
    "The KPCS was created in response to public outcry at the end of the 1990s.",
    "Those agreements require the buyers to suspend purchases from non-complying farms.",
    "IOM is well placed to leverage its comparative strengths.",
])
def test_evidence_sentences_are_not_flagged(sentence):
    assert nonevidence_kind(sentence) is None


def test_non_evidence_never_becomes_a_candidate(blog_analysed):
    framework, passages, vectors, rows, index = blog_analysed
    data = framework.model_dump()
    data["matching"]["threshold"] = 0.0  # everything that can be a candidate is one
    data["matching"]["budget_per_1000_words"] = None
    for rp in data["reference_points"]:
        rp["threshold"] = None
    loose = type(framework).model_validate(data)
    candidates = match_passages(passages, vectors, rows, loose, index)
    assert candidates
    by_id = {p.passage_id: p for p in passages}
    for c in candidates:
        assert nonevidence_kind(c.quote) is None, c.quote
    texts = {by_id[c.passage_id].text for c in candidates}
    for suppressed in ("by Jaff Bamenjo, Coordinator of RELUFA/Cameroon", "Contact: Teddy Ostrow",
                       "Read other blogs in the series here."):
        assert not any(t.strip().startswith(suppressed) for t in texts), suppressed
