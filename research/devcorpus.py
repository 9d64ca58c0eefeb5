"""Shared set-up for the scoring experiments: the sample corpus's text files, the gold set, the
framework and a cached encoder (the embedding cache of a previous run makes this cheap)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GOLD = REPO / "corpus" / "gold" / "evidence_gold.csv"


def add_dev_arguments(parser, framework: bool = True, blind: bool = False,
                      db_required: bool = True) -> None:
    """The options of the dev-set experiments: --db, --model and (optionally) --framework and
    --blind-only; ``load_dev_args`` reads them."""
    parser.add_argument("--db", required=db_required, help="store whose embedding cache to use")
    parser.add_argument("--model", help="embedding model (default: the packaged one)")
    if framework:
        parser.add_argument("--framework",
                            help="framework YAML (default: evidence_rules/framework.yaml)")
    if blind:
        parser.add_argument("--blind-only", action="store_true",
                            help="score with the framework's blind material only (no "
                                 "descriptions, examples or rules written from documents): an "
                                 "estimate for writing the evidence rules never saw")


def load_dev_args(args):
    """``load_dev`` for parsed ``add_dev_arguments`` options (blind material only if asked)."""
    framework, files, gold, encoder = load_dev(args.db, args.model,
                                               getattr(args, "framework", None))
    if getattr(args, "blind_only", False):
        framework = framework.blind_only()
    return framework, files, gold, encoder


def load_dev(db: str, model: str | None, framework_path: str | None = None):
    """(framework, analysed files, gold, encoder) for the .txt files named in the gold set."""
    from pipeline.embed import CachedEncoder, EmbeddingCache, make_encoder
    from pipeline.evaluate.dataset import analyse_files
    from pipeline.evaluate.metrics import load_gold
    from pipeline.rules.framework import load_framework
    from pipeline.rules.registry import load_registry

    gold = load_gold(GOLD)
    framework = load_framework(framework_path)
    encoder = CachedEncoder(make_encoder(model), EmbeddingCache(f"{db}.embeddings.sqlite"))
    files = [REPO / "corpus" / name for name in sorted({g.file for g in gold})]
    analysed = analyse_files(files, load_registry(), encoder, REPO / "corpus" / "manifest.csv")
    return framework, analysed, gold, encoder
