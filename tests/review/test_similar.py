"""More like this: similar passages from the run's stored vectors, and pulling one into the queue
as a reviewer's proposal (store, re-run, export, migration and JSON API; the browser test is in
test_browser_similar.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from pipeline.embed import HashingEncoder
from pipeline.review.similar import SimilarPassages
from pipeline.store import Store
from pipeline.store.embedding_cache import text_hash
from pipeline.store.proposals import ProposalError, propose_passage
from tests.conftest import run_hashing_store


def live_passages(db: Path) -> dict[str, str]:
    conn = sqlite3.connect(db)
    rows = dict(conn.execute("SELECT passage_id, text FROM passages WHERE stale = 0"))
    conn.close()
    return rows


def card_of(store: Store, candidate_id: str) -> sqlite3.Row:
    return store.conn.execute("SELECT * FROM candidates WHERE candidate_id = ?",
                              (candidate_id,)).fetchone()


def pullable(store: Store, similar: SimilarPassages, candidate_ids: list[str]):
    """A card and a neighbour of it that is not yet a candidate under the card's reference
    point and MSI."""
    for cid in candidate_ids:
        for n in similar.similar(cid).neighbours:
            if n.here is None:
                return cid, n
    pytest.fail("the review corpus must offer a passage to pull")


def test_neighbours_are_the_nearest_passages_by_the_stored_vectors(db_path, candidate_ids,
                                                                   monkeypatch):
    store = Store(db_path, create=False)
    similar = SimilarPassages(store)
    cid = candidate_ids[0]
    card = card_of(store, cid)
    monkeypatch.setattr(HashingEncoder, "encode", lambda *a: pytest.fail("the model was used"))
    result = similar.similar(cid, k=5)
    monkeypatch.undo()
    assert result.problem is None and result.missing == 0 and result.model == "hashing-256"
    texts = live_passages(db_path)
    assert result.searched == len(texts)
    # The same ranking computed from scratch: embed every live passage, cosine to the card's.
    twins = {r[0] for r in store.conn.execute(
        "SELECT passage_id FROM candidates WHERE candidate_id = ? OR twin_of = ?", (cid, cid))}
    own = texts[card["passage_id"]]
    ids = [p for p in texts if p not in twins and texts[p] != own]
    vectors = HashingEncoder().encode([own] + [texts[p] for p in ids])
    sims = vectors[1:] @ vectors[0]
    best, seen = [], set()
    for i in np.argsort(-sims, kind="stable"):
        if texts[ids[i]] not in seen:
            seen.add(texts[ids[i]])
            best.append((ids[i], float(sims[i])))
    got = [(n.passage_id, n.similarity) for n in result.neighbours]
    assert len(got) == 5
    assert [round(s, 5) for _, s in got] == [round(s, 5) for _, s in best[:5]]
    assert got[0][0] == best[0][0]
    assert card["passage_id"] not in {p for p, _ in got}
    assert all(n.title and n.file_name and n.page_no >= 1 and n.snippet for n in result.neighbours)
    store.close()


def test_neighbours_that_are_candidates_show_their_status(db_path, candidate_ids, reviewer, app):
    store = app.state.review.store
    similar = app.state.review.similar
    cid = candidate_ids[0]
    marked = next(n for n in similar.similar(cid).neighbours if n.candidates)
    target = marked.candidates[0]["candidate_id"]
    alice = reviewer("alice")
    assert alice.decide(target, "accept").status_code == 201
    again = next(n for n in similar.similar(cid).neighbours if n.passage_id == marked.passage_id)
    status = {c["candidate_id"]: c["status"] for c in again.candidates}
    assert status[target] == "accepted"
    assert again.candidates[0]["proposed_by"] == "model"
    assert store.count("candidates", "proposed_by <> 'model'") == 0


def test_a_passage_without_a_stored_vector_is_reported_not_skipped(db_path, candidate_ids):
    store = Store(db_path, create=False)
    cid = candidate_ids[0]
    own = card_of(store, cid)["passage_id"]
    texts = live_passages(db_path)
    other = next(p for p, t in texts.items() if p != own and t != texts[own])
    cache = sqlite3.connect(f"{db_path}.embeddings.sqlite")
    cache.execute("DELETE FROM embeddings WHERE text_hash = ?", (text_hash(texts[other]),))
    cache.commit()
    result = SimilarPassages(store).similar(cid, k=50)
    assert result.problem is None
    assert result.missing == sum(1 for t in texts.values() if t == texts[other])
    assert other not in {n.passage_id for n in result.neighbours}
    # The card's own passage without a vector: said in words, no neighbours.
    cache.execute("DELETE FROM embeddings WHERE text_hash = ?", (text_hash(texts[own]),))
    cache.commit()
    cache.close()
    result = SimilarPassages(store).similar(cid)
    assert result.neighbours == () and "has no stored vector" in result.problem
    store.close()


def test_without_an_embedding_cache_it_says_where_it_looked(db_path, candidate_ids, tmp_path):
    store = Store(db_path, create=False)
    result = SimilarPassages(store, tmp_path / "nowhere.sqlite").similar(candidate_ids[0])
    assert result.neighbours == () and "no embedding cache at" in result.problem
    assert not (tmp_path / "nowhere.sqlite").exists()  # looking creates nothing
    store.close()


def test_vectors_are_read_once_and_again_after_a_run(db_path, candidate_ids):
    store = Store(db_path, create=False)
    similar = SimilarPassages(store)
    similar.similar(candidate_ids[0])
    similar.similar(candidate_ids[1])
    assert similar.loads == 1
    store.finish_run(store.start_run("fw", "1", "hashing-256", "x", {}), "finished", {})
    similar.similar(candidate_ids[0])
    assert similar.loads == 2
    store.close()


def test_pulling_a_passage_is_idempotent_and_carries_provenance(db_path, candidate_ids):
    store = Store(db_path, create=False)
    similar = SimilarPassages(store)
    cid, n = pullable(store, similar, candidate_ids)
    card = card_of(store, cid)
    before = store.count("candidates")
    first = propose_passage(store, n.passage_id, like=cid, reviewer="alice",
                            similarity=n.similarity, model="hashing-256")
    second = propose_passage(store, n.passage_id, like=cid, reviewer="alice", similarity=0.1)
    by_bob = propose_passage(store, n.passage_id, like=cid, reviewer="bob")
    assert first.created and not second.created and not by_bob.created
    assert first.candidate_id == second.candidate_id == by_bob.candidate_id
    assert store.count("candidates") == before + 1
    new = card_of(store, first.candidate_id)
    passage = store.conn.execute("SELECT * FROM passages WHERE passage_id = ?",
                                 (n.passage_id,)).fetchone()
    assert new["proposed_by"] == "reviewer:alice" and new["proposed_from"] == cid
    assert (new["msi"], new["reference_point_id"], new["consideration_id"]) == (
        card["msi"], card["reference_point_id"], card["consideration_id"])
    assert new["doc_id"] == passage["doc_id"] and new["stale"] == 0
    assert (new["quote_start"], new["quote_end"]) == (passage["char_start"], passage["char_end"])
    page = store.conn.execute("SELECT text FROM pages WHERE doc_id = ? AND page_no = ?",
                              (passage["doc_id"], passage["page_no"])).fetchone()[0]
    assert page[new["quote_start"]:new["quote_end"]] == new["quote"] == passage["text"]
    assert new["score"] == pytest.approx(n.similarity)
    # The neighbour now shows as a candidate under the card's reference point, proposed by alice.
    again = next(x for x in similar.similar(cid, k=50).neighbours if x.passage_id == n.passage_id)
    assert again.here["candidate_id"] == first.candidate_id
    assert again.here["proposed_by"] == "reviewer:alice"
    store.close()


def test_a_passage_already_proposed_by_the_model_is_not_duplicated(db_path, candidate_ids):
    store = Store(db_path, create=False)
    a, b = (card_of(store, c) for c in candidate_ids[:2])
    # b's passage under its own MSI and reference point: the matcher's candidate b itself.
    outcome = propose_passage(store, b["passage_id"], like=b["candidate_id"], reviewer="alice")
    assert not outcome.created and outcome.candidate_id == b["candidate_id"]
    assert outcome.proposed_by == "model"
    with pytest.raises(ProposalError):
        propose_passage(store, "no-such-passage", like=a["candidate_id"], reviewer="alice")
    with pytest.raises(ProposalError):
        propose_passage(store, a["passage_id"], like=b["candidate_id"], reviewer=" ")
    store.close()


def test_reviewer_proposals_survive_a_rerun(db_path, candidate_ids, built_db):
    store = Store(db_path, create=False)
    cid, n = pullable(store, SimilarPassages(store), candidate_ids)
    pulled = propose_passage(store, n.passage_id, like=cid, reviewer="alice").candidate_id
    store.add_decision(pulled, "accept", "alice")
    key = (n.passage_id, card_of(store, pulled)["msi"], card_of(store, pulled)["reference_point_id"])
    # Settings changed since: the next run processes every document again.
    with store.write() as conn:
        conn.execute("UPDATE documents SET fingerprint = 'older settings'")
    store.close()
    corpus = built_db.parent / "corpus"
    for _ in range(2):  # a re-run that re-processes every document, then an unchanged one
        run_hashing_store(corpus, db_path)
        store = Store(db_path, create=False)
        assert store.conn.execute(
            "SELECT COUNT(*) FROM documents WHERE run_id = (SELECT MIN(run_id) FROM runs)"
        ).fetchone()[0] == 0, "every document was processed again by the first re-run"
        row = card_of(store, pulled)
        assert row["stale"] == 0 and row["proposed_by"] == "reviewer:alice"
        assert store.conn.execute(
            "SELECT COUNT(*) FROM candidates WHERE passage_id = ? AND msi = ?"
            " AND reference_point_id = ? AND stale = 0", key).fetchone()[0] == 1
        assert store.conn.execute("SELECT decision FROM current_decisions WHERE candidate_id = ?",
                                  (pulled,)).fetchone()[0] == "accept"
        store.close()


def test_the_export_says_who_proposed_each_candidate(db_path, candidate_ids, tmp_path):
    from pipeline.export.evidence import COLUMNS, export_csv, read_evidence_csv

    store = Store(db_path, create=False)
    cid, n = pullable(store, SimilarPassages(store), candidate_ids)
    pulled = propose_passage(store, n.passage_id, like=cid, reviewer="alice").candidate_id
    out = tmp_path / "evidence.csv"
    export_csv(store, out)
    store.close()
    assert "proposed_by" in COLUMNS
    back = read_evidence_csv(out).set_index("candidate_id")
    assert back.loc[pulled, "proposed_by"] == "reviewer:alice"
    assert set(back.drop(index=pulled)["proposed_by"]) == {"model"}
    assert back.loc[pulled, "quote"] == n.text


def test_an_older_store_gains_the_proposer_column(tmp_path):
    from pipeline.store.schema import MIGRATIONS, SCHEMA_VERSION
    from pipeline.store.store import _split_sql

    db = tmp_path / "old.sqlite"
    conn = sqlite3.connect(db, isolation_level=None)
    for sql in MIGRATIONS[:SCHEMA_VERSION - 1]:
        for statement in _split_sql(sql):
            conn.execute(statement)
    conn.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)",
                 (str(SCHEMA_VERSION - 1),))
    conn.execute("INSERT INTO documents (doc_id, status) VALUES ('d', 'ok')")
    conn.execute("INSERT INTO passages (passage_id, doc_id, seq, page_no, char_start, char_end,"
                 " text, kind) VALUES ('p', 'd', 0, 1, 0, 4, 'text', 'para')")
    conn.execute("INSERT INTO candidates (candidate_id, passage_id, doc_id, msi,"
                 " reference_point_id, consideration_id, framework_id, score, quote, quote_start,"
                 " quote_end) VALUES ('c', 'p', 'd', 'M', 'rp', 'k', 'fw', 0.5, 'text', 0, 4)")
    conn.close()
    with Store(db) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert card_of(store, "c")["proposed_by"] == "model"


# -- the JSON API --------------------------------------------------------------------------

def test_api_lists_similar_passages_and_pulls_one(app, reviewer, candidate_ids):
    alice = reviewer("alice")
    ctx = app.state.review
    cid, n = pullable(ctx.store, ctx.similar, candidate_ids)
    r = alice.get(f"/api/candidates/{cid}/similar?k=3")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model"] == "hashing-256" and len(body["neighbours"]) == 3
    assert {"passage_id", "similarity", "file_name", "page_no", "snippet"} <= set(body["neighbours"][0])
    url = f"/api/candidates/{cid}/similar"
    # The workspace's guards: no CSRF token, a foreign Origin.
    assert alice.client.post(url, json={"passage_id": n.passage_id}).status_code == 403
    foreign = alice.post(url, json={"passage_id": n.passage_id},
                         headers={"Origin": "http://evil.example"})
    assert foreign.status_code in (400, 403)
    assert ctx.store.count("candidates", "proposed_by <> 'model'") == 0
    first = alice.post(url, json={"passage_id": n.passage_id})
    retried = alice.post(url, json={"passage_id": n.passage_id})
    assert first.status_code == retried.status_code == 200, first.text
    assert first.json()["created"] and not retried.json()["created"]
    assert first.json()["candidate_id"] == retried.json()["candidate_id"]
    assert ctx.store.count("candidates", "proposed_by = 'reviewer:alice'") == 1
    queue = alice.get("/api/queue?limit=500").json()["items"]
    mine = [q for q in queue if q["candidate_id"] == first.json()["candidate_id"]]
    assert mine and mine[0]["proposed_by"] == "reviewer:alice"
    assert alice.post(url, json={"passage_id": "nope"}).status_code == 400
    assert alice.get("/api/candidates/nope/similar").status_code == 404
    assert ctx.similar.loads == 1  # the vectors were read once for all these requests


# -- overview and agreement tell the model's proposals from the reviewers' -----------------

def test_overview_and_agreement_split_by_proposer(app, reviewer, candidate_ids):
    ctx = app.state.review
    cid, n = pullable(ctx.store, ctx.similar, candidate_ids)
    al, bo = reviewer("al"), reviewer("bo")
    pulled = al.post(f"/api/candidates/{cid}/similar", json={"passage_id": n.passage_id})
    pulled = pulled.json()["candidate_id"]
    model_card = candidate_ids[0] if candidate_ids[0] != cid else candidate_ids[1]
    for name, who, decision in (("al", al, "accept"), ("bo", bo, "reject")):
        assert who.decide(pulled, decision).status_code == 201, name
        assert who.decide(model_card, "accept").status_code == 201, name
    by = {p["proposed_by"]: p for p in al.get("/api/overview").json()["by_proposer"]}
    assert by["reviewer:al"] == {"proposed_by": "reviewer:al", "candidates": 1, "accepted": 0,
                                 "rejected": 1}
    assert by["model"]["accepted"] == 1
    rows = {r["reference_point_id"]: r for r in al.get("/api/agreement").json()["rows"]}
    assert rows["(proposed by reviewers)"]["n"] == 1 and rows["(proposed by reviewers)"]["agreed"] == 0
    assert rows["(proposed by the model)"]["n"] == 1 and rows["(proposed by the model)"]["agreed"] == 1
    assert rows["(all)"]["n"] == 2
    page = al.get("/overview").text
    assert 'data-proposed-by="reviewer:al"' in page and "all, proposed by reviewers" in page


def test_the_page_form_needs_the_csrf_token_and_pulls_once(app, reviewer, candidate_ids):
    ctx = app.state.review
    cid, n = pullable(ctx.store, ctx.similar, candidate_ids)
    alice = reviewer("alice")
    page = alice.get(f"/card/{cid}/similar")
    assert page.status_code == 200 and f'data-passage="{n.passage_id}"' in page.text
    assert "Pull into the queue" in page.text and "Searched" in page.text
    url = f"/card/{cid}/similar"
    bad = alice.client.post(url, data={"passage_id": n.passage_id, "csrf": "wrong"})
    assert bad.status_code == 403
    assert ctx.store.count("candidates", "proposed_by <> 'model'") == 0
    form = {"passage_id": n.passage_id, "csrf": alice.csrf}
    for _ in range(2):  # a double click
        r = alice.client.post(url, data=form, follow_redirects=False)
        assert r.status_code == 303 and "pulled=" in r.headers["location"]
    assert ctx.store.count("candidates", "proposed_by = 'reviewer:alice'") == 1
    assert "already=1" in r.headers["location"]


def test_the_similar_key_cannot_be_remapped_to_an_action():
    from pipeline.review.config import ReviewConfigError, parse_keys

    with pytest.raises(ReviewConfigError, match="similar passages"):
        parse_keys("skip=s")
    with pytest.raises(ReviewConfigError):
        parse_keys("accept=1")


def test_the_pulled_quote_is_the_sentence_nearest_to_the_cards_quote(app, reviewer,
                                                                     candidate_ids):
    from pipeline.segment import sentence_spans

    ctx = app.state.review
    for cid in candidate_ids:
        n = next((x for x in ctx.similar.similar(cid).neighbours
                  if x.here is None and len(sentence_spans(x.text)) > 1), None)
        if n is not None:
            break
    else:
        pytest.fail("the review corpus must offer a passage of several sentences to pull")
    card = card_of(ctx.store, cid)
    spans = sentence_spans(n.text)
    encoder = HashingEncoder()
    vectors = encoder.encode([card["quote"]] + [n.text[s:e] for s, e in spans])
    expected = spans[int(np.argmax(vectors[1:] @ vectors[0]))]
    assert ctx.similar.best_sentence(cid, n.passage_id) == expected

    alice = reviewer("alice")
    pulled = alice.post(f"/api/candidates/{cid}/similar", json={"passage_id": n.passage_id})
    new = card_of(ctx.store, pulled.json()["candidate_id"])
    passage = ctx.store.conn.execute("SELECT * FROM passages WHERE passage_id = ?",
                                     (n.passage_id,)).fetchone()
    page = ctx.store.conn.execute("SELECT text FROM pages WHERE doc_id = ? AND page_no = ?",
                                  (passage["doc_id"], passage["page_no"])).fetchone()[0]
    assert new["quote"] == n.text[expected[0]:expected[1]]
    assert page[new["quote_start"]:new["quote_end"]] == new["quote"]
    assert new["quote_start"] == passage["char_start"] + expected[0]


def test_a_stale_candidate_pulled_again_comes_back_as_the_reviewers(db_path, candidate_ids):
    store = Store(db_path, create=False)
    b = card_of(store, candidate_ids[1])
    store.add_decision(b["candidate_id"], "reject", "bo")
    with store.write() as conn:  # a later run no longer proposed it
        conn.execute("UPDATE candidates SET stale = 1 WHERE candidate_id = ?", (b["candidate_id"],))
    before = store.count("candidates")
    outcome = propose_passage(store, b["passage_id"], like=b["candidate_id"], reviewer="alice")
    assert outcome.created and outcome.candidate_id == b["candidate_id"]
    assert store.count("candidates") == before
    back = card_of(store, b["candidate_id"])
    assert back["stale"] == 0 and back["proposed_by"] == "reviewer:alice"
    assert store.conn.execute("SELECT decision FROM current_decisions WHERE candidate_id = ?",
                              (b["candidate_id"],)).fetchone()[0] == "reject"
    store.close()
