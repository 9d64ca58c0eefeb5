"""Overlapping stages in the local executor: parsing runs ahead while a batch embeds, the next
batch embeds while the caller matches and writes, and nothing piles up.

No test here measures time: each one blocks a stage on an event and checks that another stage
went on meanwhile (waits are long, so only a missing overlap makes them fail).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from scale_helpers import SpyEncoder, make_run_context

from pipeline.embed import HashingEncoder
from pipeline.ingest import ingest_file
from pipeline.run.executors.local import embed_in_batches
from pipeline.run.executors.overlap import Overlap
from pipeline.run.process import prepare_document

WAIT_S = 60.0  # generous: only a stage that never runs makes a wait run out


def test_stages_keep_order_and_stay_bounded():
    produced: list[int] = []
    consumed: list[int] = []
    ahead: list[int] = []

    def source():
        for i in range(50):
            produced.append(i)
            ahead.append(len(produced) - len(consumed))
            yield i

    with Overlap(depth=1) as overlap:
        doubled = overlap.stage((2 * i for i in overlap.stage(source(), "a")), "b")
        for item in doubled:
            consumed.append(item // 2)
    assert consumed == list(range(50))
    # One item in each of two queues, one in each thread's hands, one being produced.
    assert max(ahead) <= 5


def test_an_error_in_a_stage_is_raised_where_items_are_consumed():
    def source():
        yield 1
        raise ValueError("stage failed")

    seen = []
    with pytest.raises(ValueError, match="stage failed"), Overlap() as overlap:
        for item in overlap.stage(source(), "failing"):
            seen.append(item)
    assert seen == [1]


def test_leaving_early_stops_the_stages():
    closed = threading.Event()

    def endless():
        try:
            i = 0
            while True:
                i += 1
                yield i
        finally:
            closed.set()

    with Overlap() as overlap:
        for item in overlap.stage(endless(), "endless"):
            if item == 3:
                break
    assert closed.wait(WAIT_S)  # the producer's generator was closed in its thread
    assert not any(t.name == "endless" and t.is_alive() for t in threading.enumerate())


class BlockingSpy(SpyEncoder):
    """A spy whose first document batch waits until ``hold_until()`` is true (or a long
    time has passed), and records whether it became true."""

    def __init__(self, inner):
        super().__init__(inner)
        self.hold_until = None
        self.held_ok: bool | None = None

    def encode(self, texts):
        if self.hold_until is not None and self.held_ok is None:
            waited = threading.Event()
            for _ in range(int(WAIT_S * 10)):
                if self.hold_until():
                    break
                waited.wait(0.1)
            self.held_ok = bool(self.hold_until())
        return super().encode(texts)


@pytest.fixture
def prepared_docs(tmp_path: Path):
    """A context (its evidence index already built) and 12 documents to prepare on demand."""
    folder = tmp_path / "docs"
    folder.mkdir()
    body = ("The Fair Labor Association reported that its grievance mechanism received few "
            "complaints from migrant workers. Independent monitors visited supplier factories.")
    paths = []
    for i in range(12):
        path = folder / f"r{i:02d}.txt"
        path.write_text(f"Report {i}\n\nFindings\n\n{body} (Report {i}.)\n", encoding="utf-8")
        paths.append(path)
    spy = BlockingSpy(HashingEncoder())
    context = make_run_context(folder, spy)
    assert context.evidence_index is not None  # the framework's texts embedded before the test
    spy.calls.clear()
    pulled: list[str] = []

    def source():
        for path in paths:
            pulled.append(path.name)
            document = ingest_file(str(path), doc_id=f"id-{path.stem}")
            yield prepare_document(document, context.attributor, context.segment)

    yield context, spy, source, pulled
    context.close()


def test_documents_are_prepared_while_a_batch_embeds(prepared_docs):
    context, spy, source, pulled = prepared_docs
    spy.hold_until = lambda: len(pulled) >= 3  # the first batch embeds until 3 are prepared
    results = list(embed_in_batches(source(), context, budget=1))  # one document per batch
    assert spy.held_ok is True  # documents 2 and 3 were prepared while document 1 embedded
    assert len(results) == 12 and all(r.candidates for r in results)
    assert [r.doc_id for r in results] == [f"id-r{i:02d}" for i in range(12)]


def test_next_batch_embeds_while_the_caller_writes(prepared_docs):
    context, spy, source, pulled = prepared_docs
    results = embed_in_batches(source(), context, budget=1)
    next(results)
    # The caller is now "writing" the first result and asks for nothing: the embedding stage
    # goes on with the next batch(es) meanwhile.
    deadline = threading.Event()
    for _ in range(int(WAIT_S * 10)):
        if len(spy.calls) >= 2:
            break
        deadline.wait(0.1)
    assert len(spy.calls) >= 2, spy.calls
    # ... but does not run away: a bounded number of batches ahead of the caller.
    deadline.wait(0.5)
    assert len(spy.calls) <= 4 and len(pulled) <= 8, (spy.calls, pulled)
    assert len(list(results)) == 11
