"""A generated corpus for the scaling benchmark: small report-like documents, text and PDF.

Every paragraph is different (random choices from phrase lists, seeded), so the embedding
cache cannot make a first run look faster than it is. Documents name MSIs from the packaged
registry and talk about governance, representation and grievance mechanisms, so matching
finds candidates. PDFs are written with reportlab through :mod:`tests.support.pdfgen`.
"""

from __future__ import annotations

import random
from pathlib import Path

MSIS = ["Kimberley Process Certification Scheme", "Extractive Industries Transparency Initiative",
        "Fair Labor Association", "Accord on Fire and Building Safety in Bangladesh",
        "Fair Food Program", "Fairtrade International", "Rainforest Alliance", "SA8000"]
SUBJECTS = ["The initiative", "Its secretariat", "The multi-stakeholder board", "The scheme",
            "Member companies", "The standard", "Independent auditors", "The governing council",
            "Participating governments", "Civil society members", "Worker representatives"]
VERBS = ["reported", "failed to provide", "introduced", "strengthened", "did not publish",
         "reviewed", "expanded", "promised", "suspended", "funded", "evaluated", "ignored"]
OBJECTS = ["a grievance mechanism for affected workers", "remedy for victims of forced labour",
           "independent monitoring of supplier factories", "representation of migrant workers",
           "public reports on audit findings", "training for labour inspectors",
           "a sanction process for non-compliant members", "consultation with local communities",
           "transparency about payments to governments", "protection for whistle-blowers",
           "a review of recruitment fees paid by workers", "data on child labour in the supply chain",
           "support for trade unions at production sites", "a validation of country reports"]
TAILS = ["in the last reporting period", "after pressure from NGOs", "across three regions",
         "according to the evaluation", "despite repeated complaints", "with limited resources",
         "for the first time", "in cooperation with the ILO", "without a clear timeline",
         "as part of its revised strategy"]


def paragraph(rng: random.Random, msi: str, sentences: int) -> str:
    out = [f"The {msi} is discussed in this section of the report ({rng.randint(1, 99999)})."]
    for _ in range(sentences - 1):
        out.append(f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
                   f"{rng.choice(TAILS)}, and {rng.choice(SUBJECTS).lower()} "
                   f"{rng.choice(VERBS)} {rng.choice(OBJECTS)}.")
    return " ".join(out)


def generate(folder: str | Path, documents: int = 1000, pdf_share: float = 0.5,
             paragraphs_per_doc: int = 1, sentences: int = 4, seed: int = 8) -> list[Path]:
    """Write ``documents`` files (a ``pdf_share`` of them PDFs) and return their paths."""
    from tests.support.pdfgen import write_report_pdf

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paths = []
    n_pdf = round(documents * pdf_share)
    for i in range(documents):
        msi = MSIS[i % len(MSIS)]
        title = f"Review {i:05d} of the {msi}"
        paras = [paragraph(rng, msi, sentences) for _ in range(paragraphs_per_doc)]
        if i < n_pdf:
            path = folder / f"doc{i:05d}.pdf"
            blocks = [("heading", "Findings"), *[("para", p) for p in paras]]
            write_report_pdf(path, title, blocks, title_page=False, page_numbers=False)
        else:
            path = folder / f"doc{i:05d}.txt"
            path.write_text(f"{title}\n\nFindings\n\n" + "\n\n".join(paras) + "\n", encoding="utf-8")
        paths.append(path)
    return paths
