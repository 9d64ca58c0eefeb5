"""``msi-evidence source list|set|propose``: who published each document, and corrections."""

from __future__ import annotations

import getpass
import os
from pathlib import PurePath

from pipeline.sources.model import INDEPENDENCE, KINDS


def add_source_commands(sub, add_db) -> None:
    source = sub.add_parser("source", help="source records: publisher, kind, independence, date",
                            description="Each document's source record: who published it, what "
                                        "kind of source it is, its independence from the MSIs "
                                        "it discusses and its publication date.")
    actions = source.add_subparsers(dest="source_command", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="show the source record of every document")
    add_db(listing)
    listing.add_argument("--document", action="append", default=[], metavar="DOC",
                         help="only this document (doc_id, prefix, path or file name); repeatable")
    setting = actions.add_parser(
        "set", help="correct a document's source record (appended; the latest counts)")
    add_db(setting)
    setting.add_argument("document", metavar="DOC", help="doc_id (or 8+ characters), path or file name")
    setting.add_argument("--kind", choices=list(KINDS), help="kind of source")
    setting.add_argument("--independence", choices=list(INDEPENDENCE),
                         help="relative to --msi (or to every MSI the document discusses)")
    setting.add_argument("--msi", action="append", metavar="ID",
                         help="the MSI that published or commissioned it (registry id; repeatable; "
                              "--msi '' clears)")
    setting.add_argument("--publisher", help="publisher name")
    setting.add_argument("--published", metavar="YYYY[-MM[-DD]]", help="publication date")
    setting.add_argument("--reviewer", help="reviewer name (default: $MSI_REVIEWER or your user name)")
    setting.add_argument("--note", help="why")
    setting.add_argument("--registry", help="MSI registry YAML that --msi is checked against")
    propose = actions.add_parser("propose", help="propose the source records again from the "
                                                 "documents (corrections are kept)")
    add_db(propose)
    propose.add_argument("--registry", help="MSI registry YAML")
    propose.add_argument("--manifest", help="manifest CSV whose rows take precedence")


def cmd_source(args, open_store) -> int:
    from pipeline.rules.registry import load_registry

    if args.source_command == "set":
        from pipeline.sources.corrections import correct_source

        registry = load_registry(args.registry)
        reviewer = args.reviewer or os.environ.get("MSI_REVIEWER") or getpass.getuser()
        msis = None if args.msi is None else tuple(m for m in args.msi if m)
        with open_store(args) as store:
            done = correct_source(store, args.document, reviewer, registry=registry,
                                  kind=args.kind, independence=args.independence, msis=msis,
                                  publisher=args.publisher, published=args.published,
                                  note=args.note)
        changes = ", ".join(f"{k}={'/'.join(v) if isinstance(v, tuple) else v!s}"
                            for k, v in done.changes.items())
        print(f"Recorded source correction {done.correction_id} for {done.doc_id[:12]} by "
              f"{reviewer}: {changes}")
        return 0
    if args.source_command == "propose":
        from pipeline.sources.refresh import refresh_sources

        registry = load_registry(args.registry)
        manifest = {}
        if args.manifest:
            from pipeline.run.manifest import load_manifest

            manifest = load_manifest(args.manifest, registry)
        with open_store(args) as store:
            n = refresh_sources(store, registry, manifest)
        print(f"Proposed {n} source record(s); reviewers' corrections still lie over them")
        return 0
    return _list(args, open_store)


def _list(args, open_store) -> int:
    from pipeline.sources.corrections import resolve_document
    from pipeline.sources.effective import effective_sources
    from pipeline.store import sources as source_store

    with open_store(args) as store:
        wanted = {resolve_document(store, d) for d in args.document} or None
        records = effective_sources(store, wanted)
        rows = [r for r in source_store.document_rows(store)
                if wanted is None or r["doc_id"] in wanted]
    for row in rows:
        record = records.get(row["doc_id"])
        name = PurePath(row["path"] or row["doc_id"]).name
        if record is None:
            print(f"{name}: no source record (run `msi-evidence source propose --db {args.db}`)")
            continue
        about = f" for {', '.join(record.about_msis)}" if record.about_msis else ""
        print(f"{name}  [{row['doc_id'][:12]}]\n  kind {record.kind or '?'}, "
              f"{record.independence or '?'}{about}, published {record.published or '?'}, "
              f"publisher {record.publisher or '?'}\n  {record.origin}"
              + (f" by {record.corrected_by}" if record.corrected_by else "")
              + f", confidence {record.confidence:.2f}: {record.reason}")
    return 0
