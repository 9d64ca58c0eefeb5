"""``msi-evidence train`` and ``msi-evidence labels``: the learned model's commands."""

from __future__ import annotations

import argparse
from pathlib import Path


def user_cache_path() -> Path:
    """The per-user embedding cache shared by training runs (beside the framework vectors)."""
    from pipeline.embed import user_cache_dir

    return user_cache_dir() / "embeddings.sqlite"


def add_learn_commands(sub) -> None:
    from pipeline.learn import DEFAULT_CORPUS, LABELS_DIR

    train = sub.add_parser(
        "train", help="fit the learned evidence model on labelled documents",
        description="Fit the evidence model on the labelled development corpus, print its "
                    "document-grouped cross-validation and held-out figures next to the "
                    "baselines and the hand-tuned scorer, and write it with --out.")
    train.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                       help=f"the development corpus folder (default: {DEFAULT_CORPUS}); "
                            "'none' with --from-db: learn from the store's decisions alone")
    train.add_argument("--from-db", type=Path, metavar="DB",
                       help="learn from the reviewers' decisions in this store (with the "
                            "labelled corpus unless --corpus none); compares with the current "
                            "model by cross-validation over the store's documents")
    train.add_argument("--labels", type=Path, default=LABELS_DIR,
                       help="folder with documents.csv and labels.csv (default: corpus/gold/dev)")
    train.add_argument("--compare-with", metavar="MODEL_DIR",
                       help="with --from-db: the model to compare with (default: the "
                            "framework's matching.model, models/evidence-model)")
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
                                       "all-MiniLM-L6-v2; 'minilm-int8' = its int8 ONNX "
                                       "version; 'minilm-torch' = through "
                                       "sentence-transformers)")
    train.add_argument("--cache", type=Path, help=f"embedding cache (default: {user_cache_path()})")

    sim = sub.add_parser(
        "simulate", help="replay a reviewer who answers from gold labels: random, first-run "
                         "score and active order (recall against cards, WSS@95)",
        description="Replay every card of the store's documents named in the gold CSV in "
                    "three orders and report the share of the evidence found after 10/25/50/100 "
                    "%% of the cards, the cards needed for 80 %% and 95 %%, and WSS@95.")
    sim.add_argument("--db", type=Path, required=True, help="the store of a run")
    sim.add_argument("--gold", type=Path, required=True,
                     help="gold CSV (file, quote, msi, reference_point[, ...]); file = the "
                          "document's file name")
    sim.add_argument("--seed", type=int, default=0, help="first seed (default: 0)")
    sim.add_argument("--seeds", type=int, default=5,
                     help="how many seeds for random and active order (default: 5)")
    sim.add_argument("--batch", type=int, default=10,
                     help="cards decided between two refits of the active model (default: 10)")
    sim.add_argument("--plot", type=Path, metavar="OUT.png",
                     help="also draw evidence found against cards reviewed")
    sim.add_argument("--json", type=Path, metavar="OUT.json", help="also write the figures")

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
    from pipeline.learn.train import TrainOptions, run_training, write_figures
    from pipeline.rules.framework import load_framework
    from pipeline.rules.registry import load_registry

    if args.from_db is not None:
        return _train_from_store(args)
    options = TrainOptions(corpus=args.corpus, labels_dir=args.labels, out=args.out,
                           folds=args.folds, seed=args.seed, baselines=not args.no_baselines)
    figures = run_training(options, load_framework(args.framework), load_registry(args.registry),
                           _encoder(args), echo=lambda s: print(s, flush=True))
    if args.json:
        write_figures(figures, args.json)
    return 0


def _train_from_store(args: argparse.Namespace) -> int:
    from pipeline.learn import load_learned
    from pipeline.learn.from_store import train_from_store
    from pipeline.learn.model import ModelError
    from pipeline.learn.train import write_figures
    from pipeline.rules.framework import load_framework
    from pipeline.rules.registry import load_registry

    framework = load_framework(args.framework)
    try:
        current = load_learned(str(Path(args.compare_with).resolve()) if args.compare_with
                               else framework.matching.model)
    except ModelError:
        current = None
    corpus = None if str(args.corpus).lower() == "none" else args.corpus
    figures = train_from_store(args.from_db, framework, load_registry(args.registry),
                               _encoder(args), corpus=corpus, labels_dir=args.labels,
                               out=args.out, current=current, folds=args.folds, seed=args.seed,
                               echo=lambda s: print(s, flush=True))
    if args.json:
        write_figures(figures, args.json)
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from pipeline.learn.simulate import plot_curves, run_simulation
    from pipeline.learn.train import write_figures

    if args.batch < 1 or args.seeds < 1:
        raise SystemExit("error: --batch and --seeds must be at least 1")
    seeds = list(range(args.seed, args.seed + args.seeds))
    figures, curves = run_simulation(args.db, args.gold, seeds, args.batch,
                                     echo=lambda s: print(s, flush=True))
    if args.plot:
        plot_curves(curves, args.plot)
        print(f"plot: {args.plot}")
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
    from pipeline.learn.agreement import agreement, format_agreement
    from pipeline.learn.dataset import analyse_labelled
    from pipeline.rules.framework import load_framework
    from pipeline.rules.registry import load_registry

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
