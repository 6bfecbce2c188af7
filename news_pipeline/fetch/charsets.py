"""Fetched bytes to text: BOM, HTTP header, in-document declaration, then detection.

Chinese sites often declare one charset and serve another (or none); a declared charset is
only trusted if the bytes decode cleanly with it.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

# ---- charset ------------------------------------------------------------------------------

_XML_DECLARATION = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str
    how: str  # bom | header | document | detected | fallback


# Frequent characters of Chinese news text (simplified, then traditional forms). Real
# Chinese decodes to mostly these; bytes decoded with the wrong CJK codec (GBK read as
# Big5, EUC-KR read as GBK) give a near-uniform draw over thousands of rare characters.
_COMMON_CHINESE = frozenset(
    "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单"
    "模型智能人工芯片据融资布款升级推出用户平台训练测评算力软件硬件企业市场产品服务网络云端手机汽车机器视频图像搜索开源亿美元"
    "們個這說來時為會學對裡後麼發經頭見現動兩長樣與點實進從關將開無聲問東國華報電車機員應書語讀體門無種裝術當處過還導產業優勢據網絡費價萬億團隊議題區塊鏈"
)
_CHARSET_ALIASES = {"x-gbk": "gb18030", "x-big5": "big5hkscs", "x-gb2312": "gb18030"}
_SINGLE_BYTE_CODECS = frozenset({"latin-1", "iso8859-1", "cp1252", "ascii", "iso8859-15"})


def chinese_text_score(text: str) -> float:
    """Share of non-ASCII characters that are frequent in Chinese news text."""
    wide = [character for character in text if ord(character) > 127]
    if not wide:
        return 0.0
    return sum(character in _COMMON_CHINESE for character in wide) / len(wide)


def guess_chinese_encoding(body: bytes) -> DecodedText | None:
    """GB18030 or Big5 when exactly decodable and reading like Chinese, else None."""
    best: DecodedText | None = None
    best_score = 0.4
    for encoding in ("gb18030", "big5hkscs"):
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError:
            continue
        score = chinese_text_score(text[:20_000])
        if score > best_score:
            best, best_score = DecodedText(text, encoding, "detected"), score
    return best


def normalise_charset(name: str | None) -> str | None:
    """Python codec for a declared charset, widened where sites under-declare.

    gb2312 and gbk pages routinely contain gb18030-only characters, and big5 pages use
    HKSCS/cp950 extensions, so a strict decode with the declared name would fail.
    """
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    name = _CHARSET_ALIASES.get(name, name)
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    if codec in ("gb2312", "gbk", "gb18030"):
        return "gb18030"
    if codec in ("big5", "cp950"):
        return "big5hkscs"
    return codec


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = re.search(r"charset\s*=\s*[\"']?([^\s;\"']+)", content_type, re.I)
    return match.group(1) if match else None


def declared_document_charset(body: bytes) -> str | None:
    """Charset named inside the document: XML declaration or an HTML meta tag."""
    head = body[:4096]
    match = _XML_DECLARATION.match(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


def _decode_utf8(body: bytes) -> DecodedText | None:
    try:
        return DecodedText(body.decode("utf-8"), "utf-8", "detected")
    except UnicodeDecodeError:
        return None


def decode_document(body: bytes, header_charset: str | None) -> DecodedText:
    """Decode a feed or page: BOM, HTTP charset, in-document declaration, then detection.

    A declared charset is used only if the bytes decode cleanly with it, so a page that
    says utf-8 but is GBK still comes out right.
    """
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return DecodedText(body.decode(encoding, errors="replace"), encoding, "bom")
    candidates = (
        ("header", normalise_charset(header_charset)),
        ("document", normalise_charset(declared_document_charset(body))),
    )
    is_ascii = body.isascii()
    for how, encoding in candidates:
        if encoding is None:
            continue
        if encoding in _SINGLE_BYTE_CODECS and not is_ascii:
            # Servers default to ISO-8859-1 for pages that are really UTF-8 or GBK.
            sniffed = _decode_utf8(body) or guess_chinese_encoding(body)
            if sniffed is not None:
                return sniffed
        try:
            return DecodedText(body.decode(encoding), encoding, how)
        except UnicodeDecodeError:
            continue
    sniffed = _decode_utf8(body) or guess_chinese_encoding(body)
    if sniffed is not None:
        return sniffed
    best = from_bytes(body[:200_000]).best()
    if best is not None and best.encoding:
        encoding = normalise_charset(best.encoding) or best.encoding
        return DecodedText(body.decode(encoding, errors="replace"), encoding, "detected")
    return DecodedText(body.decode("utf-8", errors="replace"), "utf-8", "fallback")
