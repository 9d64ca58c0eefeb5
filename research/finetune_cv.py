"""Does contrastive fine-tuning of MiniLM (SetFit-style) beat the frozen embeddings?

    python -m research.finetune_cv [--corpus ../shared/corpus-dev] [--pairs 2000] [--folds 5]
    python -m research.finetune_cv --objective classify [--epochs 3] [--only-folds 1]

Document-grouped cross-validation over the ``cv`` documents of ``corpus/gold/dev`` (never the
held-out ones), the same folds as ``msi-evidence train``. In each fold a copy of the packaged
MiniLM is fine-tuned on sentence pairs from the training documents only, as SetFit does
(CosineSimilarityLoss: 1 for two sentences of the same class, 0 otherwise; classes = the
reference point of an evidence sentence, or "not evidence"), then every text is re-embedded with
it and the learned model (heads + calibration) is fitted and scored exactly as with the frozen
model. Prints both rows; the frozen row is recomputed in the same run for a fair comparison.

``--objective classify`` fine-tunes with a supervised objective instead: a linear layer over the
pooled vector predicts the sentence's reference points (binary cross-entropy; not evidence = all
zeros), and the whole encoder is trained on the training documents' labelled sentences.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import time
from pathlib import Path

import numpy as np

from pipeline.cli_learn import user_cache_path
from pipeline.embed import (
    CachedEncoder,
    EmbeddingCache,
    make_encoder,
    packaged_model_path,
)
from pipeline.learn import DEFAULT_CORPUS, LABELS_DIR
from pipeline.learn.crossval import (
    candidates_of,
    choose_threshold,
    result,
)
from pipeline.learn.dataset import analyse_labelled, checked_gold, sentence_table
from pipeline.learn.fit import document_folds, fit_arguments, fit_model, framework_texts
from pipeline.learn.labels import read_documents, read_labels
from pipeline.learn.model import Selection, Settings
from pipeline.rules.framework import load_framework, with_model_dir
from pipeline.rules.registry import load_registry
from pipeline.scoring.match import EvidenceIndex, texts_to_embed


class FineTunedEncoder:
    def __init__(self, model, name: str):
        self.model, self.name = model, name

    def encode(self, texts: list[str]) -> np.ndarray:
        return self.model.encode(texts, batch_size=64, normalize_embeddings=True,
                                 show_progress_bar=False).astype(np.float32)


def fine_tune(table, pairs: int, seed: int, max_seq_length: int = 128) -> FineTunedEncoder:
    from sentence_transformers import SentenceTransformer

    rng = random.Random(seed)
    classes: dict[str, list[str]] = {}
    for text, rp_row, flagged in zip(table.texts, table.rp, table.nonevidence, strict=True):
        if flagged:
            continue
        label = str(int(np.argmax(rp_row))) if rp_row.any() else "none"
        classes.setdefault(label, []).append(text)
    names = [c for c in classes if len(classes[c]) >= 2]
    examples = []
    for k in range(pairs):
        if k % 2 == 0:  # same class
            c = rng.choice(names)
            a, b = rng.sample(classes[c], 2)
            examples.append((a, b, 1.0))
        else:
            c1, c2 = rng.sample(names, 2)
            examples.append((rng.choice(classes[c1]), rng.choice(classes[c2]), 0.0))
    model = SentenceTransformer(str(packaged_model_path()), device="cpu")
    model.max_seq_length = max_seq_length
    train_loop(model, examples, rng)
    return FineTunedEncoder(model, f"finetuned-{seed}")


def fine_tune_classifier(table, epochs: int, seed: int, lr: float = 4e-5,
                         batch_size: int = 16, max_seq_length: int = 128) -> FineTunedEncoder:
    """Supervised fine-tuning: MiniLM's pooled vector feeds a linear layer with one output per
    reference point (binary cross-entropy; a sentence that is not evidence has all zeros), and
    the whole encoder is trained on the training documents' labelled sentences. The head is
    thrown away; the tuned encoder's vectors go to the same logistic heads as frozen ones."""
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(seed)
    rng = random.Random(seed)
    rows = [(text, rp_row.astype(np.float32)) for text, rp_row, flagged
            in zip(table.texts, table.rp, table.nonevidence, strict=True) if not flagged]
    model = SentenceTransformer(str(packaged_model_path()), device="cpu")
    model.max_seq_length = max_seq_length
    head = torch.nn.Linear(model.get_sentence_embedding_dimension(), table.rp.shape[1])
    optimiser = torch.optim.AdamW(list(model.parameters()) + list(head.parameters()), lr=lr)
    positives = np.mean([r[1].any() for r in rows])
    print(f"  fine-tuning on {len(rows)} sentences ({positives:.0%} evidence), "
          f"{epochs} epochs", flush=True)
    model.train()
    for _ in range(epochs):
        rng.shuffle(rows)
        for start in range(0, len(rows), batch_size):
            batch = rows[start:start + batch_size]
            features = model.preprocess([r[0] for r in batch])
            vectors = model(features)["sentence_embedding"]
            logits = head(vectors * 20.0)
            target = torch.tensor(np.stack([r[1] for r in batch]))
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    model.eval()
    model.max_seq_length = 256
    return FineTunedEncoder(model, f"classified-{seed}")


def train_loop(model, examples, rng, batch_size: int = 16, lr: float = 2e-5) -> None:
    """One epoch of SetFit's objective: mean squared error between the cosine of the two
    sentences' embeddings and the pair's label (the CosineSimilarityLoss of
    sentence-transformers, written out so that no dataset library is needed)."""
    import torch

    rng.shuffle(examples)
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr)
    model.train()
    for start in range(0, len(examples), batch_size):
        batch = examples[start:start + batch_size]
        embeddings = []
        for side in (0, 1):
            features = model.preprocess([pair[side] for pair in batch])
            embeddings.append(model(features)["sentence_embedding"])
        cosine = torch.nn.functional.cosine_similarity(*embeddings)
        loss = torch.nn.functional.mse_loss(cosine, torch.tensor([p[2] for p in batch]))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    model.eval()


def reembed(files, encoder):
    return [dataclasses.replace(f, vectors=encoder.encode(texts_to_embed(list(f.passages))[0]))
            for f in files]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--labels", type=Path, default=LABELS_DIR)
    parser.add_argument("--pairs", type=int, default=800)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--objective", choices=("contrastive", "classify"), default="contrastive")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--only-folds", type=int, default=0,
                        help="stop after this many folds (0: all)")
    parser.add_argument("--cache", type=Path, default=user_cache_path(),
                        help="embedding cache of the frozen model")
    args = parser.parse_args()

    framework = with_model_dir(load_framework(), "none")
    args.cache.parent.mkdir(parents=True, exist_ok=True)
    encoder = CachedEncoder(make_encoder(None), EmbeddingCache(args.cache))
    documents = [d for d in read_documents(args.labels / "documents.csv") if d.split == "cv"]
    labels = read_labels(args.labels / "labels.csv")
    gold = checked_gold(args.corpus, labels)
    files = analyse_labelled(args.corpus, documents, load_registry(), encoder)
    settings = Settings()
    tuned = ("fine-tuned MiniLM (classification)" if args.objective == "classify"
             else "fine-tuned MiniLM (SetFit-style)")
    pools: dict[str, list] = {"frozen MiniLM": [], tuned: []}
    started = time.monotonic()
    done: set[str] = set()
    for k, test_names in enumerate(document_folds(np.array([f.file for f in files]), args.folds,
                                                  args.seed)):
        test_set = set(test_names)
        for name in pools:
            if name.startswith("frozen"):
                enc, fold_files = encoder, files
            else:
                train_index = EvidenceIndex.build(framework, encoder)
                train_table = sentence_table([f for f in files if f.file not in test_set],
                                             labels, framework, train_index)
                enc = (fine_tune_classifier(train_table, args.epochs, args.seed + k)
                       if args.objective == "classify"
                       else fine_tune(train_table, args.pairs, args.seed + k))
                fold_files = reembed(files, enc)
            index = EvidenceIndex.build(framework, enc)
            fit_args = fit_arguments(framework, index)
            train = sentence_table([f for f in fold_files if f.file not in test_set], labels,
                                   framework, index)
            model = fit_model(train, framework_texts(framework, index), fit_args, settings,
                              Selection(threshold=0.0), calibration_folds=3)
            pools[name] += candidates_of([f for f in fold_files if f.file in test_set],
                                         framework, index, model)
        done.update(test_set)
        print(f"fold {k + 1}/{args.folds} done ({time.monotonic() - started:.0f} s)", flush=True)
        scored = [f for f in files if f.file in done]
        print(f"\n{len(scored)} documents scored so far\n"
              "| embeddings | threshold | recall | precision | F1 | polarity | cand./1k words |\n"
              "|---|---|---|---|---|---|---|", flush=True)
        for name, pool in pools.items():
            threshold, _ = choose_threshold(pool, scored, gold)
            m = result(name, "cv", [c for c in pool if c.score >= threshold], scored,
                       gold).metrics
            print(f"| {name} | {threshold:.3f} | {m.recall:.2f} | {m.precision:.2f} | "
                  f"{m.f1:.2f} | {m.polarity_accuracy:.2f} | {m.per_1000_words:.1f} |",
                  flush=True)
        if args.only_folds and k + 1 >= args.only_folds:
            break
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
