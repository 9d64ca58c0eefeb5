"""Source records against a hand-made table: kind, independence and year of 12 documents.

The documents are the two seed documents of ``corpus/`` (run with their manifest, as shipped)
and ten documents of different kinds from ``../shared/corpus-dev`` (run *without* a manifest, so
every value is proposed from the text). The gold table is ``corpus/gold/sources.csv``: file, kind,
independence (relative to the MSI in ``msi``) and year, judged by reading each document.

The script copies the files into a temporary folder, runs the real pipeline over them
(``msi-evidence run --model hashing``: the source proposer does not depend on the embedding
model), reads the source record that counts for each document and prints one row per document
with what is wrong. ``--seed-without-manifest`` also proposes the seeds from their text alone.

    python -m research.eval_sources [--json OUT.json] [--seed-without-manifest]
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

GOLD = ROOT / "corpus" / "gold" / "sources.csv"
DEV = ROOT.parent / "shared" / "corpus-dev"


def locate(name: str) -> Path | None:
    for folder in (ROOT / "corpus", DEV / "docs", DEV / "pdf"):
        if (folder / name).exists():
            return folder / name
    return None


def run_and_read(files: list[Path], seed_manifest: bool) -> dict[str, object]:
    """Run the pipeline over copies of ``files``; file name → effective SourceRecord."""
    from pipeline.cli import main
    from pipeline.sources.effective import effective_sources
    from pipeline.store import Store
    from pipeline.store import sources as source_store

    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        for path in files:
            shutil.copy(path, corpus / path.name)
        if seed_manifest:
            with open(ROOT / "corpus" / "manifest.csv", encoding="utf-8") as handle:
                rows = list(csv.DictReader(handle))
            names = {p.name for p in files}
            with open(corpus / "manifest.csv", "w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(r for r in rows if r["file"] in names)
        db = Path(tmp) / "sources.sqlite"
        code = main(["run", str(corpus), "--db", str(db), "--model", "hashing", "--no-progress",
                     "--workers", "1"])
        if code not in (0, 1):
            raise SystemExit(f"the run failed with exit code {code}")
        with Store(db) as store:
            records = effective_sources(store)
            return {Path(r["path"]).name: records.get(r["doc_id"])
                    for r in source_store.document_rows(store)}


def score(gold: list[dict], found: dict[str, object]) -> tuple[list[dict], dict[str, float]]:
    rows = []
    for g in gold:
        record = found.get(g["file"])
        proposed = {
            "kind": getattr(record, "kind", "") or "",
            "independence": record.independence_for(g["msi"]) if record else "",
            "year": str(record.year or "") if record else "",
        }
        row = {"file": g["file"], "msi": g["msi"]}
        for key in ("kind", "independence", "year"):
            row[f"true_{key}"] = g[key]
            row[f"proposed_{key}"] = proposed[key]
            row[f"{key}_ok"] = proposed[key] == g[key]
        row["publisher"] = getattr(record, "publisher", "")
        row["confidence"] = getattr(record, "confidence", 0.0)
        row["reason"] = getattr(record, "reason", "(no record)")
        rows.append(row)
    n = len(rows) or 1
    accuracy = {k: sum(r[f"{k}_ok"] for r in rows) / n for k in ("kind", "independence", "year")}
    accuracy["all_three"] = sum(all(r[f"{k}_ok"] for k in ("kind", "independence", "year"))
                                for r in rows) / n
    return rows, accuracy


def _cell(row: dict, key: str) -> str:
    if row[f"true_{key}"] == row[f"proposed_{key}"]:
        return row[f"true_{key}"]
    return f"{row[f'true_{key}']} → {row[f'proposed_{key}'] or '∅'} ✗"


# The dev corpus manifest's kinds, in this project's vocabulary ("evaluation" may be either).
DEV_KINDS = {"msi_own": {"msi_own"}, "news": {"news"}, "ngo_critique": {"ngo_critique"},
             "academic": {"academic"}, "reference": {"other"},
             "evaluation": {"independent_evaluation", "commissioned_evaluation"}}


def dev_manifest_check(folder: Path = DEV) -> None:
    """Kind and year proposed from the text for every dev-corpus document (hard negatives left
    out) against the corpus manifest's own kind and date: documents the cues were *not* written
    from, except the ten above. Ingest, segment and attribute only (no embedding)."""
    from collections import Counter

    from pipeline.attribution import MsiAttributor
    from pipeline.ingest import ingest_file
    from pipeline.rules.registry import load_registry
    from pipeline.segment import segment_document
    from pipeline.sources.proposal import DocumentFacts, SourceProposer, discussed_msis

    registry = load_registry()
    proposer, attributor = SourceProposer(registry), MsiAttributor(registry)
    with open(folder / "manifest.csv", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["kind"] in DEV_KINDS]
    with open(GOLD, encoding="utf-8") as handle:
        tuned = {r["file"] for r in csv.DictReader(handle)}
    kinds, years, confusion = Counter(), Counter(), Counter()
    for row in rows:
        document = ingest_file(str(folder / row["file"]))
        passages = attributor.attribute(segment_document(document), None)
        front = "\n\n".join(p.text for p in document.pages[:2])
        record = proposer.propose(DocumentFacts(
            doc_id=document.doc_id, title=document.title, front=front,
            msi_counts=discussed_msis(a.msi_id for p in passages for a in p.msis)))
        split = "tuned" if Path(row["file"]).name in tuned else "untuned"
        ok = record.kind in DEV_KINDS[row["kind"]]
        kinds[(split, ok)] += 1
        confusion[(row["kind"], record.kind)] += 1
        if row["date"][:4].isdigit():
            years[(split, str(record.year) == row["date"][:4])] += 1
    for split in ("untuned", "tuned"):
        n_kind = kinds[(split, True)] + kinds[(split, False)]
        n_year = years[(split, True)] + years[(split, False)]
        if n_kind:
            print(f"{split}: kind {kinds[(split, True)]}/{n_kind} "
                  f"({kinds[(split, True)] / n_kind:.0%}), year {years[(split, True)]}/{n_year} "
                  f"of those with a manifest date ({years[(split, True)] / max(1, n_year):.0%})")
    print("manifest kind → proposed kind (count):")
    for (true, proposed), n in sorted(confusion.items(), key=lambda x: (-x[1], x[0])):
        print(f"  {true:13} → {proposed:24} {n}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", default=str(GOLD))
    parser.add_argument("--json", help="write the rows and accuracies here")
    parser.add_argument("--seed-without-manifest", action="store_true",
                        help="propose the seed documents from their text alone too")
    parser.add_argument("--dev-manifest", action="store_true",
                        help="also score kind and year on the whole dev corpus against its "
                             "manifest (mostly documents the cues were not written from)")
    args = parser.parse_args(argv)
    with open(args.gold, encoding="utf-8") as handle:
        gold = list(csv.DictReader(handle))
    missing = [g["file"] for g in gold if locate(g["file"]) is None]
    if missing:
        print(f"skipped: not found (is ../shared/corpus-dev there?): {missing}")
        gold = [g for g in gold if g["file"] not in missing]
    files = [locate(g["file"]) for g in gold]
    found = run_and_read(files, seed_manifest=not args.seed_without_manifest)
    rows, accuracy = score(gold, found)
    print(f"\n{'file':58} {'kind (true → proposed)':52} {'independence':30} {'year':12}")
    for r in rows:
        print(f"{r['file'][:58]:58} {_cell(r, 'kind'):52} {_cell(r, 'independence'):30} "
              f"{_cell(r, 'year'):12}")
    print("\naccuracy: " + ", ".join(f"{k} {v:.0%}" for k, v in accuracy.items())
          + f" (n={len(rows)})")
    for r in rows:
        if not all(r[f"{k}_ok"] for k in ("kind", "independence", "year")):
            print(f"\n{r['file']} (publisher {r['publisher']!r}, confidence {r['confidence']}):"
                  f"\n  {r['reason']}")
    if args.dev_manifest and (DEV / "manifest.csv").exists():
        print("\nWhole dev corpus against its manifest (kind; year where the manifest has a date):")
        dev_manifest_check()
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "accuracy": accuracy}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
