"""The generated PDF test corpus: what each file contains, and how to build it.

``build(name, path)`` writes the PDF and returns its ground truth (paragraphs with the page each
starts on). ``python tests/ingest/pdf/pdf_corpus.py`` rewrites the golden files under ``golden/`` from that
ground truth; the extractor never writes them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pdf_builders import Block, Layout

GOLDEN = Path(__file__).resolve().parent / "golden"

PARAS = [
    "The Kimberley Process Certification Scheme was launched in 2003 to stop the trade in "
    "conflict diamonds. Its members are governments, while industry and civil society take "
    "part as observers without a vote, which limits their in|fluence over the scheme's rules.",
    "Civil society organi|sations have argued for years that the definition of conflict "
    "diamonds is too narrow. It covers only rough diamonds sold by rebel movements to finance "
    "wars against legitimate governments, and leaves out violence by state security forces.",
    "A multi-stakeholder initiative brings companies, governments and civil society together "
    "around a shared standard. Whether it protects rights holders depends on who sets the "
    "standard, who monitors compliance, and what happens when a member breaks the rules.",
    "Independent evaluations of the Fair Labor Association found that factory audits were "
    "announced in advance in most cases. Managers coached workers on what to say, and "
    "auditors rarely interviewed workers away from the factory floor or in their own lang|uage.",
    "The Bangladesh Accord on Fire and Building Safety was legally binding on the brands that "
    "signed it. Unions sat on its steering committee with equal votes, and the inspection "
    "reports and correc|tive action plans for every factory were published online.",
    "Grievance mechanisms were hard to reach for migrant workers. Complaint forms were "
    "available only in the national language, hotlines were staffed during office hours, and "
    "workers feared retaliation from recruit|ment agents who held their passports.",
    "The evaluation recommends that the initiative publish the full audit reports, give "
    "worker representatives a vote on the board, and fund an independent remedy mechanism "
    "that can order compen|sation when members cause or contribute to harm.",
    "Self-assessment questionnaires completed by suppliers were the main source of "
    "information in the first phase. They were rarely verified, and several suppliers "
    "reported full compliance while local media documented forced overtime at their sites.",
]

FOOTNOTED = [
    "Researchers found that certification did not improve wages for hired workers on "
    "smallholder farms, despite the premium paid on certified produce.^3 The premium was "
    "spent on community projects chosen by cooperative leaders, not by workers.",
    "Several reports describe the social and environmental impacts.^11 They note that "
    "monitoring relied on company data, and that affected communities were not told when "
    "a complaint against a member company had been closed.^12",
]


def _two_columns(path: Path) -> list[dict]:
    """Two columns written line by line across the page (interleaved stream), hyphenated."""
    layout = Layout(path, columns=2, interleave=True, page_numbers=False)
    layout.add(Block("heading", "Conflict Minerals and Certification"))
    for text in PARAS[:4]:
        layout.add(Block("para", text))
    layout.add(Block("heading", "Labour Standards in Supply Chains"))
    for text in PARAS[4:] + PARAS[:3]:
        layout.add(Block("para", text))
    return layout.save()


def _furniture(path: Path) -> list[dict]:
    """A running header and footer note; roman page labels for the front matter, then arabic."""
    layout = Layout(path, header="MSI Integrity Review \u00b7 Annual Report 2024", front_pages=2,
                    footer_note="Draft for consultation \u2014 do not cite")
    layout.add(Block("heading", "Foreword"))
    for text in PARAS[:2]:
        layout.add(Block("para", text))
    layout.new_page()
    layout.add(Block("heading", "Summary of Findings"))
    for text in PARAS[2:5]:
        layout.add(Block("para", text))
    for chapter in range(3):
        layout.new_page()
        layout.add(Block("heading", f"Chapter {chapter + 1}: Evidence from the Field"))
        layout.add(Block("para", "This chapter draws on interviews with workers, auditors, "
                                 "company staff and the initiative's secretariat in 2023."))
        for text in PARAS * 2 + PARAS[:3]:
            layout.add(Block("para", text))
    return layout.save()


def _table(path: Path) -> list[dict]:
    layout = Layout(path)
    layout.add(Block("heading", "Reference Points"))
    layout.add(Block("para", PARAS[2]))
    layout.add(Block("table", rows=[
        ["Reference point", "Consideration", "Evidence"],
        ["Scope and standards", "Does the standard cover recruitment fees?",
         "Standard text, section 4"],
        ["Governance", "Do rights holders have a vote?", "Board minutes"],
        ["Monitoring", "Are audits unannounced?", "Audit protocol"],
        ["Remedy", "Can workers obtain compensation?", "Grievance records"],
    ]))
    layout.add(Block("para", PARAS[6]))
    layout.add(Block("para", PARAS[7]))
    return layout.save()


def _bullets_footnotes(path: Path) -> list[dict]:
    layout = Layout(path)
    layout.add(Block("heading", "Key Findings"))
    layout.add(Block("para", FOOTNOTED[0]))
    for item in ["Premiums reached cooperatives, but rarely hired workers on member farms.",
                 "Audits checked paperwork more often than conditions in the fields.",
                 "Complaints from workers were referred back to the cooperative that employed "
                 "them, so few were ever made."]:
        layout.add(Block("bullet", item))
    layout.add(Block("para", FOOTNOTED[1]))
    layout.add(Block("para", PARAS[5]))
    return layout.save()


def _scanned(path: Path) -> list[dict]:
    """A text page followed by an image-only page (a scan without a text layer)."""
    layout = Layout(path, page_numbers=False)
    layout.add(Block("para", PARAS[0]))
    layout.image_page(["Forced labour was found at two", "supplier sites in the audit year."])
    return layout.save()


BUILDERS = {"two_columns": _two_columns, "furniture": _furniture, "table": _table,
            "bullets_footnotes": _bullets_footnotes, "scanned": _scanned}
GOLDEN_NAMES = ["two_columns", "furniture", "table", "bullets_footnotes"]


def build(name: str, path: Path) -> list[dict]:
    return BUILDERS[name](Path(path))


def write_golden(tmp: Path) -> None:
    for name in GOLDEN_NAMES:
        truth = build(name, tmp / f"{name}.pdf")
        (GOLDEN / f"{name}.json").write_text(
            json.dumps({"paragraphs": truth}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(GOLDEN / f"{name}.json", len(truth), "paragraphs")


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        write_golden(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tmp))
