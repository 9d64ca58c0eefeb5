"""``msi-evidence train`` and ``msi-evidence labels``: the learned model's commands."""

from __future__ import annotations

import argparse
from pathlib import Path


def user_cache_path() -> Path:
    """The per-user embedding cache shared by training runs (beside the framework vectors)."""
    from pipeline.vector_cache import user_cache_dir

    return user_cache_dir() / "embeddings.sqlite"


def add_learn_commands(sub) -> None:
    from pipeline.learn import DEFAULT_CORPUS, LABELS_DIR

    train = sub.add_parser(
        "train", help="fit the learned evidence model on labelled documents",
        description="Fit the evidence model on the labelled development corpus, print its "
                    "document-grouped cross-validation and held-out figures next to the "
                    "baselines and the hand-tuned scorer, and write it with --out.")
    train.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                       help=f"the development corpus folder (default: {DEFAULT_CORPUS})")
    train.add_argument("--labels", type=Path, default=LABELS_DIR,
                       help="folder with documents.csv and labels.csv (default: corpus/gold/dev)")
    train.add_argument("--out", type=Path,
                       help="write the model here (e.g. models/evidence-model); without it "
                            "nothing is written")
    train.add_argument("--folds", type=int, default=5, help="cross-validation folds (default: 5)")
    train.add_argument("--seed", type=int, default=0, help="fold assignment seed (default: 0)")
    train.add_argument("--no-baselines", action="store_true",
                       help="skip the baselines and the hand-tuned scorer")
    train.add_argument("--json", type=Path, metavar="OUT.json", help="also write the figures")
    train.add_argument("--framework", help="framework YAML (default: evidence_rules/framework.yaml)")
    train.add_argument("--registry", help="MSI registry YAML (default: evidence_rules/msi_registry.yaml)")
    train.add_argument("--model", help="embedding model, as for run (default: the packaged "
                                       "all-MiniLM-L6-v2; 'minilm-int8' = its int8 ONNX version)")
    train.add_argument("--cache", type=Path, help=f"embedding cache (default: {user_cache_path()})")

    labels = sub.add_parser("labels", help="labelled development documents")
    labels_sub = labels.add_subparsers(dest="labels_command", required=True, metavar="ACTION")
    imp = labels_sub.add_parser(
        "import", help="turn labellers' quote CSVs into offset labels",
        description="Read CSVs with file, quote, msi, reference_point, consideration, polarity "
                    "(and page for PDFs), find every quote in the corpus, and write offset + hash "
                    "labels (no text). Quotes that cannot be found are listed and skipped.")
    imp.add_argument("csvs", nargs="+", type=Path, metavar="CSV")
    imp.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    imp.add_argument("--out", type=Path, required=True, help="labels CSV to write")
    agree = labels_sub.add_parser(
        "agreement", help="agreement between the first and the second labeller (Cohen's kappa)")
    agree.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    agree.add_argument("--labels", type=Path, default=LABELS_DIR)
    agree.add_argument("--cache", type=Path, help=f"embedding cache (default: {user_cache_path()})")
    check = labels_sub.add_parser("check", help="check every label against the corpus text")
    check.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    check.add_argument("--labels", type=Path, default=LABELS_DIR)


def _encoder(args):
    from pipeline.embed import CachedEncoder, EmbeddingCache, make_encoder

    cache_path = args.cache or user_cache_path()
    cache_path.parent.mkdir(parents=True, exist_ok=True)
    return CachedEncoder(make_encoder(getattr(args, "model", None)), EmbeddingCache(cache_path))


def cmd_train(args: argparse.Namespace) -> int:
    from pipeline.framework import load_framework
    from pipeline.learn.train import TrainOptions, run_training, write_figures
    from pipeline.registry import load_registry

    options = TrainOptions(corpus=args.corpus, labels_dir=args.labels, out=args.out,
                           folds=args.folds, seed=args.seed, baselines=not args.no_baselines)
    figures = run_training(options, load_framework(args.framework), load_registry(args.registry),
                           _encoder(args), echo=lambda s: print(s, flush=True))
    if args.json:
        write_figures(figures, args.json)
    return 0


def cmd_labels(args: argparse.Namespace) -> int:
    import csv

    from pipeline.learn.labels import (
        LABEL_COLUMNS,
        LabelError,
        labels_from_quotes,
        page_texts,
        read_documents,
        read_labels,
        verify,
        write_rows,
    )

    if args.labels_command == "import":
        rows = []
        for path in args.csvs:
            with path.open(encoding="utf-8", newline="") as fh:
                rows.extend(csv.DictReader(fh))
        labels, missing = labels_from_quotes(rows, args.corpus, {})
        write_rows(args.out, LABEL_COLUMNS, list(dict.fromkeys(labels)))
        print(f"wrote {len(labels)} labels to {args.out}; {len(missing)} quote(s) not found")
        for line in missing:
            print(f"  not found: {line}")
        return 1 if missing else 0
    if args.labels_command == "check":
        labels = read_labels(args.labels / "labels.csv")
        texts = {f: page_texts(args.corpus, f) for f in sorted({lab.file for lab in labels})}
        problems = verify(labels, texts)
        for line in problems:
            print(line)
        print(f"{len(labels)} labels, {len(problems)} problem(s)")
        return 1 if problems else 0
    from pipeline.framework import load_framework
    from pipeline.learn.agreement import agreement, format_agreement
    from pipeline.learn.dataset import analyse_labelled
    from pipeline.registry import load_registry

    documents = [d for d in read_documents(args.labels / "documents.csv") if d.second_labeller]
    if not documents:
        raise LabelError("no document has a second labeller in documents.csv")
    first = read_labels(args.labels / "labels.csv")
    second = read_labels(args.labels / "labels_second.csv")
    framework = load_framework()
    files = analyse_labelled(args.corpus, documents, load_registry(), _encoder(args))
    rows = agreement(files, first, second, [rp.id for rp in framework.reference_points],
                     framework.matching.min_words)
    print(f"{len(documents)} documents labelled by both labellers\n")
    print(format_agreement(rows))
    return 0
