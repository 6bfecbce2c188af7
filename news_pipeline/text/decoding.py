"""Page bytes to text, done here rather than by trafilatura.

trafilatura ignores `<meta charset>`: a GBK page without a header charset would come out as
mojibake. The order is the BOM, the HTTP header's charset, the page's own declaration, UTF-8,
then charset_normalizer's guess; a declared charset that fails to decode strictly is skipped.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

# Bytes searched for <meta charset>; the HTML spec's prescan looks at the first 1024, but
# real portals put long comment blocks and scripts first.
META_CHARSET_SCAN_BYTES = 8192

# Charsets that decode a superset of what the page declares: GB2312/GBK pages routinely use
# GB18030-only characters, Big5 pages use HKSCS ones.
CHARSET_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "big5": "big5hkscs",
    "cp950": "big5hkscs",
    "ascii": "utf-8",
}
# Labels Python's codecs do not know that mean GBK.
_GBK_LABELS = {"x-gbk", "gb_2312-80", "x-gb18030"}
# Header charsets that servers send by default, not because they know the page's encoding.
WEAK_HEADER_CHARSETS = {"iso8859-1", "cp1252"}

_META_CHARSET = re.compile(rb"""<meta[^>]{0,400}?charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)


def _canonical_codec(name: str | None) -> str | None:
    """Python codec name for a charset label, widened to its superset; None if unknown."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    if label in _GBK_LABELS:
        label = "gbk"
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        return None
    return CHARSET_SUPERSETS.get(codec, codec)


def _bom_codec(body: bytes) -> tuple[str, int] | None:
    if body.startswith(codecs.BOM_UTF8):
        return "utf-8", len(codecs.BOM_UTF8)
    if body.startswith(codecs.BOM_UTF16_LE) or body.startswith(codecs.BOM_UTF16_BE):
        return "utf-16", 0
    return None


def meta_charset(body: bytes) -> str | None:
    """Charset named by `<meta charset>` or `<meta http-equiv content="...charset=">`."""
    match = _META_CHARSET.search(body[:META_CHARSET_SCAN_BYTES])
    return match.group(1).decode("ascii", "ignore") if match else None


def decode_html(body: bytes, declared_charset: str | None = None) -> tuple[str, str]:
    """Decode page bytes: BOM, header charset, meta charset, UTF-8, then charset_normalizer.

    A declared charset that fails to decode strictly is skipped (servers lie); a default-ish
    header charset (latin-1, ascii) loses to a meta charset. Returns (text, codec used).
    """
    bom = _bom_codec(body)
    if bom is not None:
        codec, skip = bom
        return body[skip:].decode(codec, errors="replace"), codec
    header_codec = _canonical_codec(declared_charset)
    meta_codec = _canonical_codec(meta_charset(body))
    if header_codec in WEAK_HEADER_CHARSETS:
        ordered = [meta_codec, "utf-8", header_codec]
    else:
        ordered = [header_codec, meta_codec, "utf-8"]
    candidates = [codec for codec in ordered if codec]
    for codec in dict.fromkeys(candidates):
        try:
            return body.decode(codec), codec
        except (UnicodeDecodeError, LookupError):
            continue
    best = charset_normalizer.from_bytes(body).best()
    if best is not None:
        codec = _canonical_codec(best.encoding) or best.encoding
        return body.decode(codec, errors="replace"), codec
    fallback = candidates[0]
    return body.decode(fallback, errors="replace"), fallback
