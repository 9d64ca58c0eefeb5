"""The committed labels against the development corpus (skipped when it is absent)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pipeline.learn.labels import page_texts, read_documents, read_labels, verify

LABELS = Path(__file__).resolve().parents[2] / "corpus" / "gold" / "dev"


def test_every_label_still_matches_the_corpus_text(dev_corpus):
    labels = read_labels(LABELS / "labels.csv") + read_labels(LABELS / "labels_second.csv")
    texts = {f: page_texts(dev_corpus, f) for f in sorted({lab.file for lab in labels})}
    assert verify(labels, texts) == []


def test_documents_list_is_complete_and_held_out_set_is_large_enough(dev_corpus):
    documents = read_documents(LABELS / "documents.csv")
    listed = {d.file for d in documents}
    on_disk = {str(p.relative_to(dev_corpus)) for p in dev_corpus.rglob("*")
               if p.suffix in (".txt", ".pdf")}
    assert listed == on_disk
    assert sum(d.split == "heldout" for d in documents) >= 15
    assert sum(bool(d.second_labeller) for d in documents) >= len(documents) / 4
    counts = Counter(lab.file for lab in read_labels(LABELS / "labels.csv"))
    assert all(d.rows == counts.get(d.file, 0) for d in documents)
