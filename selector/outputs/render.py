"""The report as blocks (`Doc`) and its two renderers: Markdown (report.md, safe to view: no raw HTML, no
link syntax from a candidate's name) and a self-contained HTML page (report.html: inline CSS, plots
embedded). Text is masked on the way in (selector/outputs/privacy.py)."""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field

from selector.outputs.privacy import mask_content


@dataclass
class Doc:
    """A report as blocks both renderers understand: ('h1'|'h2'|'h3'|'p'|'ul', text or items),
    ('table', (headers, rows)) and ('img', (name, png bytes))."""
    blocks: list[tuple[str, object]] = field(default_factory=list)

    def add(self, kind: str, content: object) -> None:
        """Text is masked on the way in: an id or name holding an ID-card or phone number never reaches
        report.md or report.html whole (issue 11, item 21)."""
        self.blocks.append((kind, content if kind == "img" else mask_content(content)))


def _md_text(text: object) -> str:
    """Text for report.md that a Markdown viewer shows as it is (issue 11, 7): no raw HTML (`<script>`,
    `<img onerror=...>` become &lt;script&gt; ...) and no link or image syntax from a candidate's name."""
    t = html.escape(str(text), quote=False)
    for ch in "[]":
        t = t.replace(ch, "\\" + ch)
    return t.replace("\n", " ")


def _md_cell(text: object) -> str:
    """A table cell or list item: as _md_text, and no emphasis, code or column breaks either."""
    t = str(text).replace("\\", "\\\\")
    for ch in "|`*_":
        t = t.replace(ch, "\\" + ch)
    return _md_text(t)


def render_markdown(doc: Doc) -> str:
    out: list[str] = []
    for kind, content in doc.blocks:
        if kind in ("h1", "h2", "h3"):
            out.append("#" * int(kind[1]) + " " + _md_text(content) + "\n")
        elif kind == "p":
            out.append(_md_text(content) + "\n")  # our own `code` spans are kept
        elif kind == "ul":
            out.append("\n".join(f"- {_md_cell(item)}" for item in content) + "\n")  # type: ignore[attr-defined]
        elif kind == "table":
            heads, rows = content  # type: ignore[misc]
            lines = ["| " + " | ".join(_md_cell(h) for h in heads) + " |", "|" + "---|" * len(heads)]
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
            out.append("\n".join(lines) + "\n")
        elif kind == "img":
            name, _png = content  # type: ignore[misc]
            out.append(f"![{name}]({name})\n")
    return "\n".join(out)


_CSS = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "SimSun", sans-serif; margin: 2em auto;
       max-width: 1200px; color: #222; line-height: 1.5; padding: 0 1em; }
h1 { font-size: 1.6em; border-bottom: 2px solid #a00; padding-bottom: .3em; }
h2 { font-size: 1.3em; margin-top: 1.6em; border-left: 5px solid #a00; padding-left: .5em; }
h3 { font-size: 1.1em; }
table { border-collapse: collapse; margin: .6em 0 1.2em; font-size: .9em; }
th, td { border: 1px solid #999; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #eee; }
tr:nth-child(even) td { background: #fafafa; }
td.ok { color: #060; } td.bad { color: #b00; font-weight: bold; }
img { max-width: 100%; border: 1px solid #ccc; margin: .5em 0; }
code { background: #f4f4f4; padding: 0 .2em; }
@media print { body { max-width: none; } h2 { page-break-after: avoid; } }
"""


def render_html(doc: Doc, title: str) -> str:
    esc = html.escape
    out = ['<!DOCTYPE html>', '<html lang="zh-CN">', '<head>', '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">', f"<title>{esc(title)}</title>",
           f"<style>{_CSS}</style>", "</head>", "<body>"]
    for kind, content in doc.blocks:
        if kind in ("h1", "h2", "h3"):
            out.append(f"<{kind}>{esc(str(content))}</{kind}>")
        elif kind == "p":
            text = esc(str(content))
            text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
            out.append(f"<p>{text}</p>")
        elif kind == "ul":
            out.append("<ul>" + "".join(f"<li>{esc(str(i))}</li>" for i in content) + "</ul>")  # type: ignore
        elif kind == "table":
            heads, rows = content  # type: ignore[misc]
            lines = ["<table>", "<thead><tr>" + "".join(f"<th>{esc(str(h))}</th>" for h in heads) + "</tr></thead>",
                     "<tbody>"]
            for row in rows:
                tds = []
                for c in row:
                    s = str(c)
                    cls = ' class="ok"' if s == "达标" else (' class="bad"' if s.startswith("未达标") else "")
                    tds.append(f"<td{cls}>{esc(s)}</td>")
                lines.append("<tr>" + "".join(tds) + "</tr>")
            lines.append("</tbody></table>")
            out.append("\n".join(lines))
        elif kind == "img":
            name, data = content  # type: ignore[misc]
            b64 = base64.b64encode(data).decode("ascii")
            out.append(f'<figure><img alt="{esc(name)}" src="data:image/png;base64,{b64}">'
                       f"<figcaption>{esc(name)}</figcaption></figure>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
