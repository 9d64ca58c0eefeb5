"""OCR for pages without a text layer, offline, with Debian's ``tesseract-ocr``.

Only used with ``--ocr`` (``ParseLimits.ocr``). The page is rendered by pdfium at 300 dpi and
read by the ``tesseract`` command line (``apt-get install tesseract-ocr tesseract-ocr-eng``;
``ocrmypdf`` pulls it in too). The tesseract process inherits the parse worker's memory limit
and runs single-threaded; it is given at most ``timeout_s`` seconds per page.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile

DPI = 300
_LINE_HYPHEN = re.compile(r"(?<=[a-z])-\n(?=[a-z])")
_BLOCK_SPLIT = re.compile(r"\n\s*\n")


class OcrUnavailable(RuntimeError):
    """tesseract is not installed."""


def tesseract_path() -> str | None:
    return shutil.which("tesseract")


def ocr_page(page, *, lang: str = "eng", timeout_s: float = 120.0) -> list[str]:
    """Paragraphs read from a rendered pdfium page (line-break hyphens marked with U+FFFE)."""
    exe = tesseract_path()
    if exe is None:
        raise OcrUnavailable("tesseract is not installed: apt-get install tesseract-ocr "
                             "tesseract-ocr-eng (or ocrmypdf), then re-run with --ocr")
    bitmap = page.render(scale=DPI / 72, grayscale=True)
    image = bitmap.to_pil()
    with tempfile.TemporaryDirectory(prefix="msi-ocr-") as tmp:
        png = os.path.join(tmp, "page.png")
        image.save(png)
        bitmap.close()
        env = dict(os.environ, OMP_THREAD_LIMIT="1")
        done = subprocess.run([exe, png, "stdout", "-l", lang, "--dpi", str(DPI)],
                              capture_output=True, timeout=timeout_s, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"tesseract failed: {done.stderr.decode(errors='replace')[-300:]}")
    text = _LINE_HYPHEN.sub("\ufffe", done.stdout.decode("utf-8", errors="replace"))
    return [" ".join(block.split()) for block in _BLOCK_SPLIT.split(text) if block.strip()]
