"""DOCX rendering of the forms (python-docx for the package only; A4; fonts set for East Asian text so Word
and WPS show 宋体/黑体), byte for byte reproducible: one or more forms per document, each from a new page."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from functools import cache

from selector.outputs.form_layout import Block, Cell, Layout, fill
from selector.outputs.sheets import ZIP_TIME, normalise_xlsx


@dataclass
class Content:
    """What one document shows: its fields, and the rows of its table blocks."""

    fields: dict[str, str]
    pool: str | None = None
    departments: list[dict[str, str]] = field(default_factory=list)
    candidates: list[dict[str, str]] = field(default_factory=list)
    slates: dict[str, list[tuple[str, list[dict[str, str]]]]] = field(default_factory=dict)  # award -> groups


_XML_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


_JC = {"left": "left", "center": "center", "right": "right", "justify": "both"}


_TWIPS_PER_CM = 567


_BORDERS = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                   for side in ("top", "left", "bottom", "right", "insideH", "insideV"))


def _esc(text: str) -> str:
    return _XML_BAD.sub("", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class DocxWriter:
    """A DOCX document on A4 into which one or more forms are rendered, each from a new page.

    The body is written as WordprocessingML text (paragraphs, tables with fixed column widths, borders
    and row heights, East Asian fonts) and put into python-docx's default document once: far faster than
    building it element by element, and the same XML for a form in its own file and in a bundle."""

    def __init__(self, layout: Layout, title: str = ""):
        self.layout = layout
        self.title = title
        self.parts: list[str] = []
        self.pages = 0
        self.width = 21 - 2 * layout.margin  # cm available for a table

    # ------------------------------------------------------------------ WordprocessingML
    @staticmethod
    def _rpr(font: str, size: float, bold: bool) -> str:
        f = _esc(font)
        half = round(size * 2)
        return (f'<w:rPr><w:rFonts w:ascii="{f}" w:hAnsi="{f}" w:eastAsia="{f}" w:cs="{f}"/>'
                + ("<w:b/><w:bCs/>" if bold else "") + f'<w:sz w:val="{half}"/><w:szCs w:val="{half}"/></w:rPr>')

    def _p(self, text: str, font: str, size: float, bold: bool = False, align: str | None = None,
           indent: float = 0, before: float = 0, after: float = 0) -> str:
        ppr = f'<w:spacing w:before="{round(before * 20)}" w:after="{round(after * 20)}"/>'
        if indent:
            ppr += f'<w:ind w:firstLine="{round(indent * size * 20)}"/>'
        if align:
            ppr += f'<w:jc w:val="{_JC[align]}"/>'
        rpr = self._rpr(font, size, bold)
        lines = text.split("\n")
        runs = "<w:r>" + rpr + "<w:br/>".join(f'<w:t xml:space="preserve">{_esc(t)}</w:t>' for t in lines) + "</w:r>"
        return f"<w:p><w:pPr>{ppr}{rpr}</w:pPr>{runs if text else ''}</w:p>"

    def _tc(self, text: str, width: float, span: int = 1, align: str = "center", valign: str = "center",
            size: float | None = None, bold: bool = False, shade: bool = False) -> str:
        pr = f'<w:tcW w:w="{round(width * _TWIPS_PER_CM)}" w:type="dxa"/>'
        if span > 1:
            pr += f'<w:gridSpan w:val="{span}"/>'
        if shade:
            pr += '<w:shd w:val="clear" w:color="auto" w:fill="F2F2F2"/>'
        pr += f'<w:vAlign w:val="{valign}"/>'
        lay = self.layout
        return f"<w:tc><w:tcPr>{pr}</w:tcPr>{self._p(text, lay.font, size or min(lay.size, 11), bold, align)}</w:tc>"

    @staticmethod
    def _tr(cells: str, height: float | None, header: bool = False) -> str:
        pr = "<w:cantSplit/>"
        if height:
            pr += f'<w:trHeight w:val="{round(height * _TWIPS_PER_CM)}" w:hRule="atLeast"/>'
        if header:
            pr += "<w:tblHeader/>"
        return f"<w:tr><w:trPr>{pr}</w:trPr>{cells}</w:tr>"

    def _tbl(self, widths: list[float], rows: list[str]) -> str:
        grid = "".join(f'<w:gridCol w:w="{round(w * _TWIPS_PER_CM)}"/>' for w in widths)
        total = round(sum(widths) * _TWIPS_PER_CM)
        self.parts.append(
            f'<w:tbl><w:tblPr><w:tblW w:w="{total}" w:type="dxa"/><w:jc w:val="center"/>'
            f'<w:tblBorders>{_BORDERS}</w:tblBorders><w:tblLayout w:type="fixed"/>'
            '<w:tblCellMar><w:left w:w="85" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar>'
            f'</w:tblPr><w:tblGrid>{grid}</w:tblGrid>{"".join(rows)}</w:tbl>')
        self.parts.append(self._p("", self.layout.font, 2))  # keeps two tables apart (Word joins touching ones)

    def _scaled(self, widths: list[float]) -> list[float]:
        scale = self.width / sum(widths)
        return [w * scale for w in widths]

    def page_break(self) -> None:
        self.parts.append('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')

    # ------------------------------------------------------------------ blocks
    def _paragraph(self, text: str, size: float | None = None, font: str | None = None, bold: bool = False,
                   align: str | None = None, indent: float = 0, before: float = 0, after: float = 6) -> None:
        lay = self.layout
        self.parts.append(self._p(text, font or lay.font, size or lay.size, bold, align, indent, before, after))

    def _columns(self, columns: list[Cell], rows: list[dict[str, str]], row_height: float | None,
                 extra: dict[str, str]) -> None:
        widths = self._scaled([c.width or 3.0 for c in columns])
        head = "".join(self._tc(c.title, w, bold=True, shade=True) for c, w in zip(columns, widths))
        trs = [self._tr(head, 0.9, header=True)]
        for values in rows:
            trs.append(self._tr("".join(self._tc(fill(c.value, extra | values), w, 1, c.align, c.valign, c.size)
                                        for c, w in zip(columns, widths)), row_height))
        self._tbl(widths, trs)

    def _fields(self, block: Block, content: Content) -> None:
        rows = [[c for c in row if c.pool is None or c.pool == content.pool] for row in block.rows]
        rows = [row for row in rows if row]
        if not rows:
            return
        pairs = max(len(r) for r in rows)
        value_w = max(1.0, (self.width - pairs * block.label_width) / pairs)
        widths = self._scaled([block.label_width, value_w] * pairs)
        trs = []
        for row in rows:
            cells = []
            for j, c in enumerate(row):
                span = 1 + 2 * (pairs - len(row)) if j == len(row) - 1 else 1
                cells.append(self._tc(fill(c.label, content.fields), widths[2 * j], 1, "center", "center", c.size,
                                      True, True))
                cells.append(self._tc(fill(c.value, content.fields), sum(widths[2 * j + 1:2 * j + 1 + span]), span,
                                      c.align, c.valign, c.size))
            trs.append(self._tr("".join(cells), max(c.height or block.row_height or 0.85 for c in row)))
        self._tbl(widths, trs)

    def _slate(self, block: Block, content: Content) -> None:
        lay = self.layout
        groups = content.slates.get(block.award, [])
        count = sum(len(entries) for _, entries in groups)
        base = content.fields | {"award": content.fields.get(f"award_{block.award}", ""), "count": str(count)}
        if block.heading:
            self._paragraph(fill(block.heading, base), lay.size + 1, lay.title_font, before=12)
        for unit, entries in groups:
            if block.group_heading:
                self._paragraph(fill(block.group_heading, base | {"unit": unit, "count": str(len(entries))}),
                                bold=True, before=6, after=3)
            self._columns(block.columns, entries, block.row_height, base)

    def render(self, layout: Layout, content: Content) -> str:
        """One form, from a new page when the document already holds one; returns the form's XML."""
        if self.pages:
            self.page_break()
        self.pages += 1
        mine, self.layout = self.layout, layout
        first = len(self.parts)
        f = content.fields
        for block in layout.blocks:
            if block.pool is not None and block.pool != content.pool:
                continue
            if block.kind == "title":
                self._paragraph(fill(block.text, f), block.size or 18, block.font or layout.title_font,
                                block.bold, block.align or "center", block.indent, block.space_before or 6,
                                block.space_after or 12)
            elif block.kind == "paragraph":
                self._paragraph(fill(block.text, f), block.size, block.font, block.bold, block.align,
                                block.indent, block.space_before, block.space_after)
            elif block.kind == "fields":
                self._fields(block, content)
            elif block.kind == "departments":
                self._columns(block.columns, content.departments, block.row_height, f)
            elif block.kind == "candidates":
                self._columns(block.columns, content.candidates, block.row_height, f)
            elif block.kind == "slate":
                self._slate(block, content)
            elif block.kind == "page_break":
                self.page_break()
        if layout.full_note and any(f.get(c) for c in layout.full_numbers):
            self._paragraph(fill(layout.full_note, f), 9, before=6)
        self.layout = mine
        return "".join(self.parts[first:])

    def add_form(self, xml: str) -> None:
        """A form rendered before (by another writer), from a new page."""
        if self.pages:
            self.page_break()
        self.pages += 1
        self.parts.append(xml)

    def bytes(self) -> bytes:
        """The DOCX file: python-docx's default package (styles, A4 section, fonts) with this body."""
        lay = self.layout
        entries = _package(lay.font, lay.size, lay.margin)
        body = "".join(self.parts).encode("utf-8")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, content in entries:
                if name == "word/document.xml":
                    content = content.replace(b"<w:body>", b"<w:body>" + body, 1)
                elif name == "docProps/core.xml":
                    content = content.replace(_TITLE_TOKEN.encode(), _esc(self.title).encode("utf-8"))
                info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                z.writestr(info, content)
        return buf.getvalue()


_TITLE_TOKEN = "SLATE-SELECTOR-TITLE"


_DROPPED = ("word/stylesWithEffects.xml", "customXml/", "docProps/thumbnail.jpeg")


def _styles_xml(font: str, size: float) -> bytes:
    """A small styles part: the document defaults (font, size, Chinese as the East Asian language), Normal,
    and the default character and table styles. The forms format every run themselves."""
    f, half = _esc(font), round(size * 2)
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f'<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="{f}" w:hAnsi="{f}" w:eastAsia="{f}" w:cs="{f}"/>'
        f'<w:sz w:val="{half}"/><w:szCs w:val="{half}"/><w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/>'
        '</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="276" w:lineRule="auto"/>'
        '</w:pPr></w:pPrDefault></w:docDefaults>'
        '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>'
        '<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont">'
        '<w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/><w:unhideWhenUsed/>'
        '</w:style><w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/>'
        '<w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/>'
        '<w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/>'
        '<w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style></w:styles>').encode()


@cache
def _package(font: str, size: float, margin: float) -> tuple[tuple[str, bytes], ...]:
    """python-docx's default document set up once per font, size and margin: A4 with the margins, a small
    styles part in `font`, fixed document properties and dates, its body empty but for the section; without
    the parts a form does not use (stylesWithEffects, customXml, the thumbnail)."""
    from docx import Document  # start-up speed: python-docx loads only to write a form
    from docx.shared import Cm

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
        setattr(section, side, Cm(margin))
    props = doc.core_properties
    props.author, props.last_modified_by, props.title = "slate selector", "slate selector", _TITLE_TOKEN
    props.comments, props.revision = "", 1
    buf = io.BytesIO()
    doc.save(buf)
    z = zipfile.ZipFile(io.BytesIO(normalise_xlsx(buf.getvalue())))  # fixed document dates
    out = []
    for info in z.infolist():
        name = info.filename
        if name.startswith(_DROPPED):
            continue
        content = z.read(name)
        if name == "word/styles.xml":
            content = _styles_xml(font, size)
        elif name.endswith(".rels"):
            content = re.sub(rb'<Relationship [^>]*Target="[^"]*(?:stylesWithEffects|customXml|thumbnail)[^"]*"/>',
                             b"", content)
        elif name == "[Content_Types].xml":
            content = re.sub(rb'<Override PartName="/(?:word/stylesWithEffects|customXml/)[^"]*"[^>]*/>', b"", content)
        out.append((name, content))
    return tuple(out)
