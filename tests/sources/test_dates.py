"""Publication dates from front matter, and the period a claim refers to."""

from __future__ import annotations

import pytest

from pipeline.sources.dates import evidence_period, publication_date


@pytest.mark.parametrize("sentence, doc_year, year, origin", [
    ("In 2019, the Scheme published its audit results.", 2021, 2019, "text"),
    ("Since the 2013 reform the board has met every quarter.", 2020, 2020, "text"),
    ("Since 2013 the board has met.", None, 2013, "text"),
    ("Between 2015 and 2017 no complaint was resolved.", 2020, 2017, "text"),
    ("From 2015 to 2017 audits were announced.", 2020, 2017, "text"),
    ("Audits in 2015-17 were all announced.", 2020, 2017, "text"),
    ("The 2009 review found gaps in the assurance system.", 2014, 2009, "text"),
    ("Sales grew quickly (Collier 2007, p. 163) and then slowed.", 2014, 2014, "document date"),
    ("The initiative aims to end child labour by 2030.", 2020, 2020, "document date"),
    ("The board includes workers.", None, None, ""),
])
def test_evidence_period(sentence, doc_year, year, origin):
    found = evidence_period(sentence, doc_year)
    assert (found.year, found.origin) == (year, origin)
    if origin == "text":
        assert found.phrase and found.phrase in " ".join(sentence.split())
        assert found.describe().startswith("text: ")


@pytest.mark.parametrize("title, front, iso, where", [
    ("Is X an imitation? (A. Writer, The Daily Paper, June 2013)", "", "2013-06", "title"),
    ("Final evaluation", "Evaluator: X\n\nFinal report date: 9 May 2023\n", "2023-05-09",
     "labelled line"),
    ("Weaker schemes", "Background - March 3, 2014\n\nText.", "2014-03-03", "front matter"),
    ("Requirements", "Some text\nrights © Example Council 2019 all rights", "2019", "copyright line"),
    ("Board decision 2018-39: civil society", "No date here.", "2018", "title"),
    ("Header", "IUU regulations\nExample Council\n18Oct2021\n1", "2021-10-18", "front matter"),
])
def test_publication_date(title, front, iso, where):
    found = publication_date(title, front)
    assert found is not None and (found.iso, found.where) == (iso, where)


def test_no_date_at_all():
    assert publication_date("A title", "Plain words without any year.") is None
