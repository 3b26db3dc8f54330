"""A small document model written as Markdown (LaTeX formulas) and HTML (MathML).

Blocks are tuples; cells and paragraphs may hold :class:`Math` (a SymPy
expression) next to text.  HTML needs no external resource: formulas are MathML,
which browsers render natively, figures are files referenced relatively.
"""

from __future__ import annotations

import csv
import html
import io
import math
from dataclasses import dataclass
from pathlib import Path

import sympy as sp
from sympy.printing.mathml import mathml


@dataclass(frozen=True)
class Math:
    """A formula: a SymPy expression (or a raw LaTeX string shown as code in HTML)."""

    expr: sp.Expr | str
    display: bool = False

    def latex(self) -> str:
        # order="none": keep the order of terms the report wrote (1 - b - F, not -F - b + 1)
        return self.expr if isinstance(self.expr, str) else sp.latex(self.expr, order="none")

    def mathml(self) -> str:
        if isinstance(self.expr, str):
            return f"<code>{html.escape(self.expr)}</code>"
        inner = mathml(self.expr, printer="presentation", order="none")
        mode = "block" if self.display else "inline"
        return f'<math xmlns="http://www.w3.org/1998/Math/MathML" display="{mode}">{inner}</math>'


Cell = str | Math


@dataclass
class Document:
    title: str
    blocks: list[tuple]

    def h(self, level: int, text: str) -> None:
        self.blocks.append(("h", level, text))

    def p(self, *parts: Cell) -> None:
        self.blocks.append(("p", parts))

    def math(self, expr) -> None:
        self.blocks.append(("math", Math(expr, True)))

    def table(self, headers: list[str], rows: list[list[Cell]]) -> None:
        self.blocks.append(("table", headers, rows))

    def img(self, path: str, caption: str) -> None:
        self.blocks.append(("img", path, caption))

    def box(self, css_class: str, start: bool) -> None:
        """Open (``start``) or close an HTML ``<div class=css_class>`` (nothing in Markdown)."""
        self.blocks.append(("div", css_class, start))

    def pre(self, text: str) -> None:
        self.blocks.append(("pre", text))

    def bullets(self, items: list[list[Cell] | str]) -> None:
        self.blocks.append(("ul", [i if isinstance(i, list) else [i] for i in items]))

    def contents(self) -> None:
        """A table of contents of the headings that follow (filled in when written)."""
        self.blocks.append(("toc",))

    def headings(self, after: int = 0) -> list[tuple[int, str]]:
        return [(b[1], b[2]) for b in self.blocks[after:] if b[0] == "h"]


def anchor(text: str) -> str:
    """The HTML id of a heading (also GitHub's Markdown anchors for plain headings)."""
    return "s-" + "".join(ch if ch.isalnum() else "-" for ch in text.lower())


def _md_anchor(text: str) -> str:
    kept = "".join(ch for ch in text.lower() if ch.isalnum() or ch in " -_")
    return kept.replace(" ", "-")


def _md_cell(c: Cell | list) -> str:
    if isinstance(c, list):  # text and formulas in one cell
        return "".join(_md_cell(x) for x in c)
    if isinstance(c, Math):
        return f"`{c.expr}`" if isinstance(c.expr, str) else f"${c.latex()}$"
    return str(c).replace("|", "\\|").replace("\n", " ")


def _md_inline(parts) -> str:
    return "".join(_md_cell(p) if isinstance(p, Math) else str(p) for p in parts)


def to_markdown(doc: Document) -> str:
    out = [f"# {doc.title}", ""]
    for block in doc.blocks:
        kind = block[0]
        if kind == "h":
            out += ["#" * (block[1] + 1) + " " + block[2], ""]
        elif kind == "p":
            out += [_md_inline(block[1]), ""]
        elif kind == "math":
            out += ["$$", block[1].latex(), "$$", ""]
        elif kind == "table":
            headers, rows = block[1], block[2]
            out.append("| " + " | ".join(headers) + " |")
            out.append("|" + "---|" * len(headers))
            out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
            out.append("")
        elif kind == "img":
            out += [f"![{block[2]}]({block[1]})", "", f"*{block[2]}*", ""]
        elif kind == "pre":
            out += ["```", block[1], "```", ""]
        elif kind == "ul":
            out += ["- " + _md_inline(item) for item in block[1]]
            out.append("")
        elif kind == "toc":
            i = doc.blocks.index(block)
            out += [("  " * (level - 1)) + f"- [{text}](#{_md_anchor(text)})" for level, text in doc.headings(i)
                    if level <= 2]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def _html_cell(c: Cell | list) -> str:
    if isinstance(c, list):
        return "".join(_html_cell(x) for x in c)
    return c.mathml() if isinstance(c, Math) else html.escape(str(c))


def _html_inline(parts) -> str:
    return "".join(_html_cell(p) for p in parts)


STYLE = """
body { font-family: Georgia, 'DejaVu Serif', serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
h1, h2, h3 { font-family: 'DejaVu Sans', Arial, sans-serif; color: #1f3f6e; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; max-width: 100%; }
div.table { overflow-x: auto; max-width: 100%; }
th, td { border: 1px solid #bbb; padding: 0.3em 0.5em; vertical-align: top; overflow-wrap: break-word; }
div.summary { border: 2px solid #1f3f6e; padding: 0 1em; background: #f8faff; }
nav.toc li { margin: 0.1em 0; }
th { background: #eef2f8; }
td.agrees, td.holds { background: #e3f4e1; } td.differs, td.fails { background: #fbe3e0; }
td.holds-only-where { background: #fdf3d8; }
td:first-child, td.agrees, td.differs, td.holds, td.fails { white-space: nowrap; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 0.9em; color: #555; }
pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; font-size: 0.85em; }
math[display=block] { margin: 0.5em 0; } td math { font-size: 1.15em; }
"""

_VERDICTS = {"agrees", "differs", "holds", "fails", "holds-only-where"}


def to_html(doc: Document) -> str:
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           f"<title>{html.escape(doc.title)}</title>", f"<style>{STYLE}</style>", "</head>", "<body>",
           f"<h1>{html.escape(doc.title)}</h1>"]
    for block in doc.blocks:
        kind = block[0]
        if kind == "h":
            out.append(f'<h{block[1] + 1} id="{anchor(block[2])}">{html.escape(block[2])}</h{block[1] + 1}>')
        elif kind == "toc":
            i = doc.blocks.index(block)
            items = [f'<li style="margin-left:{1.2 * (level - 1):.1f}em"><a href="#{anchor(text)}">'
                     f"{html.escape(text)}</a></li>" for level, text in doc.headings(i) if level <= 2]
            out.append('<nav class="toc"><ul style="list-style:none;padding-left:0">' + "".join(items) + "</ul></nav>")
        elif kind == "div":
            out.append(f'<div class="{block[1]}">' if block[2] else "</div>")
        elif kind == "p":
            out.append(f"<p>{_html_inline(block[1])}</p>")
        elif kind == "math":
            out.append(f"<div>{block[1].mathml()}</div>")
        elif kind == "table":
            headers, rows = block[1], block[2]
            out.append('<div class="table"><table><thead><tr>' + "".join(f"<th>{html.escape(h)}</th>" for h in headers)
                       + "</tr></thead><tbody>")
            for row in rows:
                cells = []
                for c in row:
                    cls = f' class="{c}"' if isinstance(c, str) and c in _VERDICTS else ""
                    cells.append(f"<td{cls}>{_html_cell(c)}</td>")
                out.append("<tr>" + "".join(cells) + "</tr>")
            out.append("</tbody></table></div>")
        elif kind == "img":
            out.append(f'<figure><img src="{html.escape(block[1])}" alt="{html.escape(block[2])}">'
                       f"<figcaption>{html.escape(block[2])}</figcaption></figure>")
        elif kind == "pre":
            out.append(f"<pre>{html.escape(block[1])}</pre>")
        elif kind == "ul":
            out.append("<ul>" + "".join(f"<li>{_html_inline(item)}</li>" for item in block[1]) + "</ul>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


# -- tables as files ---------------------------------------------------------------------------


def write_csv(path: Path, headers: list[str], rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    Path(path).write_text(buffer.getvalue(), encoding="utf-8")


def _tex_escape(text: str) -> str:
    table = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
             "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
    return "".join(table.get(ch, ch) for ch in text)


def write_latex(path: Path, headers: list[str], rows: list[list[Cell]], caption: str) -> None:
    """A ``longtable`` with formulas as LaTeX math and text escaped."""

    def cell(c: Cell | list) -> str:
        if isinstance(c, list):
            return "".join(cell(x) for x in c)
        if isinstance(c, Math):
            return f"${c.latex()}$" if not isinstance(c.expr, str) else r"\texttt{" + _tex_escape(c.expr) + "}"
        return _tex_escape(str(c))

    spec = "".join("p{%.2f\\linewidth}" % (0.95 / len(headers)) for _ in headers)
    lines = [r"% requires \usepackage{longtable}", r"\begin{longtable}{" + spec + "}",
             r"\caption{" + _tex_escape(caption) + r"}\\", r"\hline",
             " & ".join(r"\textbf{" + _tex_escape(h) + "}" for h in headers) + r" \\", r"\hline", r"\endhead"]
    lines += [" & ".join(cell(c) for c in row) + r" \\" for row in rows]
    lines += [r"\hline", r"\end{longtable}"]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def g(x: float) -> str:
    """A number for the text: 6 significant digits."""
    return f"{x:.6g}" if math.isfinite(x) else str(x)
