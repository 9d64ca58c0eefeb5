"""Build the sample corpus from the seed reports: each as text and as a generated PDF.

Usage: ``python -m tests.support.sample_corpus SEEDS_DIR CORPUS_DIR`` (``make corpus-pdfs``).
The PDFs are committed; rebuild them only when the layout code changes.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from tests.support.pdfgen import text_blocks, write_report_pdf

SAMPLES = [
    ("001_b29d7c38feb04f95.txt", "msi_integrity_rethinking_msis_blog_series",
     "Rethinking MSIs: blog series and press coverage",
     "International Human Rights Clinic and MSI Integrity, 2020"),
    ("003_1b4d1cd763fba5db.txt", "iom_crest_final_evaluation_brief",
     "Final Evaluation of the CREST Project: Evaluation Brief", "IOM Viet Nam, May 2023"),
]


def build(seeds: Path, corpus: Path) -> list[Path]:
    written = []
    for seed, stem, title, subtitle in SAMPLES:
        text = (seeds / seed).read_text(encoding="utf-8")
        txt = corpus / f"{stem}.txt"
        shutil.copyfile(seeds / seed, txt)
        written += [txt, write_report_pdf(corpus / f"{stem}.pdf", title, text_blocks(text),
                                          subtitle=subtitle)]
    return written


if __name__ == "__main__":
    seeds_dir, corpus_dir = (Path(a) for a in (sys.argv[1:3] if len(sys.argv) > 2 else
                                               ("../shared/seeds", "corpus")))
    for path in build(seeds_dir, corpus_dir):
        print(path)
