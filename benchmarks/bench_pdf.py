"""PDF extraction speed and memory: the project's PDF stage against raw pypdfium2 and pdfplumber.

    python benchmarks/bench_pdf.py [--pages 320] [--plumber-pages 30] [--keep DIR] [--profile N]

Builds a mixed-layout corpus of at least ``--pages`` pages in a temporary folder (one- and
two-column reports from the sample seed text, with running page numbers, plus pages with a
ruled table), then runs each method in its own fresh process so that its peak RSS is its own:

* project: ``pipeline.ingest.pdf.extract_pdf`` (geometry, columns, furniture, tables,
  hyphen resolution, cleaning: everything the PDF stage does, in-process);
* project, isolated: the same through ``IsolatedParser`` (worker process, limits, pickling);
* raw pypdfium2: ``get_textpage().get_text_range()`` per page, nothing else;
* pdfplumber: ``page.extract_text()`` on the first ``--plumber-pages`` pages only
  (it is ~100x slower); its pages/s is measured on that subset and the full-corpus time is
  extrapolated from it.

``--profile N`` also runs the project path under cProfile (in its own process) and prints its
N costliest functions by own time.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import re
import resource
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEEDS = sorted((REPO / "corpus").glob("*.txt"))


def _table_pdf(path: Path, paragraphs: list[str], pages: int) -> None:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

    styles = getSampleStyleSheet()
    story = []
    rows = [["Reference point", "Consideration", "Evidence"]] + [
        [f"Point {k}", f"Does the initiative address issue {k}?", f"Report section {k}"]
        for k in range(1, 9)]
    for page in range(pages):
        story.append(Paragraph(escape(paragraphs[page % len(paragraphs)]), styles["BodyText"]))
        table = Table(rows)
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
        story += [table, Paragraph(escape(paragraphs[(page + 1) % len(paragraphs)]),
                                   styles["BodyText"]), PageBreak()]
    SimpleDocTemplate(str(path), pagesize=A4).build(story)


def build_corpus(folder: Path, min_pages: int) -> list[Path]:
    import pypdfium2 as pdfium

    from tests.support.pdfgen import text_blocks, write_report_pdf

    blocks = [b for seed in SEEDS for b in text_blocks(seed.read_text(encoding="utf-8"))]
    paragraphs = [text for kind, text in blocks if kind == "para" and len(text.split()) > 30]
    paths: list[Path] = []
    total = 0
    k = 0
    while total < min_pages:
        if k % 4 == 3:
            path = folder / f"tables_{k}.pdf"
            _table_pdf(path, paragraphs, 10)
        else:
            path = folder / f"report_{k}.pdf"
            write_report_pdf(path, f"Report {k}", blocks * 2, columns=1 + k % 2,
                             subtitle="Benchmark corpus")
        with pdfium.PdfDocument(str(path)) as pdf:
            total += len(pdf)
        paths.append(path)
        k += 1
    return paths


def _project(paths: list[str], limit: int) -> tuple[int, int]:
    from pipeline.ingest.pdf import extract_pdf

    pages = chars = 0
    for path in paths:
        result = extract_pdf(path, 100_000)
        pages += len(result.pages)
        chars += sum(len(p.text) for p in result.pages)
    return pages, chars


def _isolated(paths: list[str], limit: int) -> tuple[int, int]:
    from pipeline.ingest import ParseLimits
    from pipeline.run.isolation import IsolatedParser

    pages = chars = 0
    with IsolatedParser(ParseLimits(max_pages=100_000, timeout_s=600)) as parser:
        for path in paths:
            doc = parser.parse(path, Path(path).stem)
            pages += len(doc.pages)
            chars += sum(len(p.text) for p in doc.pages)
    return pages, chars


def _raw_pdfium(paths: list[str], limit: int) -> tuple[int, int]:
    import pypdfium2 as pdfium

    pages = chars = 0
    for path in paths:
        pdf = pdfium.PdfDocument(path)
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            chars += len(textpage.get_text_range())
            textpage.close()
            page.close()
            pages += 1
        pdf.close()
    return pages, chars


def _pdfplumber(paths: list[str], limit: int) -> tuple[int, int]:
    import pdfplumber

    pages = chars = 0
    for path in paths:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                if pages >= limit:
                    return pages, chars
                chars += len(page.extract_text() or "")
                pages += 1
                page.close()
    return pages, chars


METHODS = {"project (extract_pdf)": _project, "project, isolated worker": _isolated,
           "raw pypdfium2 get_text_range": _raw_pdfium, "pdfplumber extract_text": _pdfplumber}


def _child(name: str, paths: list[str], limit: int, conn) -> None:
    start = time.perf_counter()
    pages, chars = METHODS[name](paths, limit)
    seconds = time.perf_counter() - start
    rss_mb = max(resource.getrusage(who).ru_maxrss  # the worker process counts, if any
                 for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
    conn.send((pages, chars, seconds, rss_mb))


def _profile_child(paths: list[str], top: int, conn) -> None:
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(_project, paths, 0)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    conn.send(out.getvalue())


def profile(paths: list[Path], top: int) -> str:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_profile_child, args=([str(p) for p in paths], top, child))
    proc.start()
    report = parent.recv()
    proc.join()
    return report


def measure(name: str, paths: list[Path], limit: int) -> tuple[int, int, float, float]:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_child, args=(name, [str(p) for p in paths], limit, child))
    proc.start()
    result = parent.recv()
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=320)
    parser.add_argument("--plumber-pages", type=int, default=30)
    parser.add_argument("--keep", help="build the corpus in this folder and keep it")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also profile the project path; print its N costliest functions")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        paths = build_corpus(folder, args.pages)
        kinds = ", ".join(sorted({re.sub(r"_\d+", "", p.stem) for p in paths}))
        print(f"corpus: {len(paths)} PDFs ({kinds}) built in {time.perf_counter() - t:.1f} s; "
              "one- and two-column reports with page numbers, pages with a ruled table")
        rows = []
        for name in METHODS:
            pages, chars, seconds, rss = measure(name, paths, args.plumber_pages)
            rows.append((name, pages, chars, seconds, rss))
        raw_rate = next(r[1] / r[3] for r in rows if r[0].startswith("raw"))
        total_pages = next(r[1] for r in rows if r[0].startswith("raw"))
        print(f"\n{'method':32} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'vs raw':>7} "
              f"{'chars/page':>10} {'peak RSS MB':>11}")
        for name, pages, chars, seconds, rss in rows:
            rate = pages / seconds
            note = ""
            if name.startswith("pdfplumber") and pages < total_pages:
                note = (f"  (subset of {pages} pages; all {total_pages} would take "
                        f"~{total_pages / rate:.0f} s)")
            print(f"{name:32} {pages:>6} {seconds:>8.2f} {rate:>8.1f} {rate / raw_rate:>6.0%} "
                  f"{chars / max(pages, 1):>10.0f} {rss:>11.0f}{note}")
        project = next(r for r in rows if r[0].startswith("project (extract"))
        share = project[1] / project[3] / raw_rate
        print(f"\nproject PDF stage = {share:.0%} of raw pypdfium2 throughput (target >= 40%)")
        if args.profile:
            print("\nproject (extract_pdf) under cProfile, by own time:")
            print(profile(paths, args.profile))


if __name__ == "__main__":
    main()
