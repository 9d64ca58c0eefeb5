"""``msi-evidence``: a thin command line over the library.

Each command imports what it needs when it runs, so ``--help`` and the commands that do not
embed never import torch or sentence-transformers. Library errors become one clear message.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys

DEFAULT_DB = "msi_evidence.sqlite"
EXIT_OK, EXIT_FAILED_FILES, EXIT_ERROR = 0, 1, 2


def _add_db(parser: argparse.ArgumentParser, must_exist: bool = True) -> None:
    parser.add_argument("--db", default=DEFAULT_DB, help=f"SQLite store (default: {DEFAULT_DB})")
    parser.set_defaults(db_must_exist=must_exist)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="msi-evidence",
        description="Find evidence about multi-stakeholder initiatives (MSIs) in reports, "
                    "review it, and export evidence tables.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="process files and folders into the store",
                         description="Parse, segment, attribute, embed and match every file under "
                                     "PATH (recursively). Unchanged files are skipped on a re-run.")
    run.add_argument("paths", nargs="*", default=["corpus"], metavar="PATH",
                     help="files or folders (default: corpus)")
    _add_db(run, must_exist=False)
    run.add_argument("--framework", help="framework YAML (default: evidence_rules/framework.yaml)")
    run.add_argument("--registry", help="MSI registry YAML (default: evidence_rules/msi_registry.yaml)")
    run.add_argument("--manifest", help="manifest CSV (default: manifest.csv at the top of each folder)")
    run.add_argument("--model", help="sentence-transformers model name or path "
                                     "(default: the packaged all-MiniLM-L6-v2; 'hashing' = fast test encoder)")
    run.add_argument("--cache", help="embedding cache file (default: <db>.embeddings.sqlite)")
    run.add_argument("--workers", type=int, default=1, help="parse worker processes (default: 1)")
    run.add_argument("--timeout", type=float, default=120.0, help="seconds per document (default: 120)")
    run.add_argument("--memory-mb", type=int, default=3072, help="memory limit per parse worker (default: 3072)")
    run.add_argument("--max-pages", type=int, default=2000, help="pages read per document (default: 2000)")
    run.add_argument("--max-file-mb", type=int, default=200, help="largest file read, in MB (default: 200)")
    run.add_argument("--no-progress", action="store_true", help="hide progress bars")
    run.add_argument("--export", metavar="FILE.csv", help="also write the evidence CSV after the run")

    export = sub.add_parser("export", help="write the evidence table as CSV")
    _add_db(export)
    export.add_argument("--out", required=True, metavar="FILE.csv", help="output file")
    export.add_argument("--status", default="all",
                        choices=["accepted", "rejected", "pending", "stale", "all"],
                        help="which candidates (default: all)")

    decide = sub.add_parser("decide", help="record a reviewer's decision on a candidate")
    _add_db(decide)
    decide.add_argument("candidate_id")
    decide.add_argument("decision", choices=["accept", "reject"])
    decide.add_argument("--note", help="free-text note stored with the decision")
    decide.add_argument("--reviewer", default=None, help="reviewer name (default: your user name)")
    decide.add_argument("--msi", help="correct the MSI (registry id or GENERAL)")
    decide.add_argument("--consideration", help="correct the consideration id")
    decide.add_argument("--polarity", choices=["supports", "undermines", "neutral"],
                        help="correct the polarity")

    rules = sub.add_parser("rules", help="framework and registry files")
    rules_sub = rules.add_subparsers(dest="rules_command", required=True, metavar="ACTION")
    check = rules_sub.add_parser("check", help="validate framework/registry YAML, listing every error")
    check.add_argument("files", nargs="*", metavar="FILE",
                       help="YAML files (default: the packaged framework and registry)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    from pipeline.errors import MsiEvidenceError

    handlers = {"run": cmd_run, "export": cmd_export, "decide": cmd_decide, "rules": cmd_rules}
    try:
        return handlers[args.command](args)
    except MsiEvidenceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted: documents written so far are kept; re-run to resume", file=sys.stderr)
        return 130


def _open_store(args):
    from pipeline.store import Store

    return Store(args.db, create=not args.db_must_exist)


def cmd_run(args) -> int:
    from pipeline.discover import manifests_for
    from pipeline.embed import CachedEncoder, EmbeddingCache, make_encoder
    from pipeline.framework import load_framework
    from pipeline.ingest import ParseLimits
    from pipeline.manifest import load_manifest
    from pipeline.process import ProcessingContext
    from pipeline.registry import load_registry
    from pipeline.run import run_corpus
    from pipeline.summary import format_summary

    framework = load_framework(args.framework)
    registry = load_registry(args.registry)
    manifest = {}
    for path in [args.manifest] if args.manifest else manifests_for(args.paths):
        manifest.update(load_manifest(path, registry))
    cache = EmbeddingCache(args.cache or f"{args.db}.embeddings.sqlite")
    encoder = CachedEncoder(make_encoder(args.model), cache)
    limits = ParseLimits(timeout_s=args.timeout, memory_mb=args.memory_mb,
                         max_pages=args.max_pages, max_file_mb=args.max_file_mb)
    context = ProcessingContext(framework=framework, registry=registry, encoder=encoder,
                                limits=limits, manifest=manifest)
    store = _open_store(args)
    try:
        summary = run_corpus(args.paths, store, context, workers=max(1, args.workers),
                             progress=not args.no_progress)
        print(format_summary(summary, db=args.db))
        if args.export:
            from pipeline.export import export_csv

            rows = export_csv(store, args.export)
            print(f"\nWrote {rows} candidate rows to {args.export}")
    finally:
        context.close()
        cache.close()
        store.close()
    return EXIT_OK if summary.all_ok else EXIT_FAILED_FILES


def cmd_export(args) -> int:
    from pipeline.export import export_csv

    with _open_store(args) as store:
        rows = export_csv(store, args.out, args.status)
    print(f"Wrote {rows} rows ({args.status}) to {args.out}")
    return EXIT_OK


def cmd_decide(args) -> int:
    with _open_store(args) as store:
        reviewer = args.reviewer or os.environ.get("MSI_REVIEWER") or getpass.getuser()
        decision_id = store.add_decision(args.candidate_id, args.decision, reviewer, args.note,
                                         msi=args.msi, consideration_id=args.consideration,
                                         polarity=args.polarity)
    print(f"Recorded decision {decision_id}: {args.decision} {args.candidate_id} by {reviewer}")
    return EXIT_OK


def cmd_rules(args) -> int:
    from pipeline.rules_check import check_files

    ok, report = check_files(args.files)
    print(report)
    return EXIT_OK if ok else EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
