"""Broken and hostile PDFs for the ingestion tests, built offline with pikepdf and zlib."""

from __future__ import annotations

import zlib
from pathlib import Path


def encrypted(src: Path, out: Path, *, user: str, forbid_extraction: bool = False) -> Path:
    """A copy of ``src`` encrypted with AES-256: a user password, or (``user=""``) only an
    owner password whose permissions may forbid extracting text."""
    import pikepdf

    allow = pikepdf.Permissions(extract=not forbid_extraction, accessibility=not forbid_extraction)
    with pikepdf.open(src) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(user=user, owner="owner-secret", allow=allow,
                                                    R=6))
    return out


def truncated(src: Path, out: Path, keep: float = 0.45) -> Path:
    data = src.read_bytes()
    out.write_bytes(data[: int(len(data) * keep)])
    return out


def _one_page(content: bytes, out: Path, *, filters: list[str] | None = None) -> Path:
    import pikepdf

    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica))
    stream = pikepdf.Stream(pdf, content)
    if filters:
        stream.Filter = pikepdf.Array([pikepdf.Name(f) for f in filters])
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page, MediaBox=[0, 0, 595, 842], Contents=pdf.make_indirect(stream),
        Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)))
    pdf.pages.append(pikepdf.Page(page))
    pdf.save(out, compress_streams=False)
    return out


def decompression_bomb(out: Path, megabytes: int = 1500) -> Path:
    """A page whose content stream is Flate inside Flate: a few hundred KB on disk that decode
    to ``megabytes`` MB of text-showing operators."""
    unit = b"BT /F1 1 Tf 5 5 Td (x) Tj ET\n" * 4096
    inner = zlib.compressobj(1)
    chunks = [inner.compress(unit) for _ in range(megabytes * 2**20 // len(unit))]
    once = b"".join(chunks) + inner.flush()
    twice = zlib.compress(once, 9)
    return _one_page(twice, out, filters=["/FlateDecode", "/FlateDecode"])


def many_text_operations(out: Path, count: int = 400_000) -> Path:
    """One page with ``count`` separate text-showing operations (compressed on disk)."""
    ops = b"".join(b"BT /F1 4 Tf %d %d Td (w%d) Tj ET\n" % (20 + (i * 7) % 550, 20 + (i // 80) % 800, i)
                   for i in range(count))
    return _one_page(zlib.compress(ops, 6), out, filters=["/FlateDecode"])
