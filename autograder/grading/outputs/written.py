"""Written answers (Otter manual questions) by question across the class, for grading.

From the run's manual questions (grading/manual.py: name, points, prompt) and each
submission's ``<!-- BEGIN QUESTION -->`` blocks (``Submission.written``):

- ``OUT/written/<question>.html``: the prompt, then every student's answer (by student id,
  or with ``anonymous`` by pseudonym), markdown rendered, math as MathML (no script, no
  network: the page's Content-Security-Policy allows only inline styles and images
  pasted into the notebook), missing and unchanged answers marked as such;
- ``OUT/manual-template.csv`` (rewritten every run) and ``OUT/manual.csv`` (written only
  when absent, so a sheet being filled in is never overwritten): ``student`` and one empty
  column per question, for the TA's scores;
- filled in, the sheet is read by ``manual.read_scores`` (``--manual``).
"""
from __future__ import annotations

import base64
import functools
import html
import re
from dataclasses import dataclass
from pathlib import Path

import mistune
from mistune.plugins.math import parse_inline_math

from autograder import otter_format as fmt
from autograder.grading.manual import SHEET, TEMPLATE, pseudonyms
from autograder.grading.outputs import files
from autograder.grading.outputs.run import Run
from autograder.grading.submissions import IMAGE_TYPES

MAX_TEX_CHARS = 2000  # a formula longer than this is shown as its source, not converted
MATHML_TAG = re.compile(r"math|m[a-z]{1,12}|none|semantics|annotation")
MATHML_ATTRIBUTES = {"xmlns", "display", "mathvariant", "mathsize", "stretchy", "fence",
                     "separator", "largeop", "movablelimits", "accent", "accentunder", "lspace",
                     "rspace", "minsize", "maxsize", "symmetric", "form", "width", "height",
                     "depth", "voffset", "linethickness", "displaystyle", "scriptlevel",
                     "notation", "rowspacing", "columnspacing", "rowlines", "columnlines",
                     "columnalign", "rowalign", "frame", "linebreak"}
POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
STYLE = ("body{font-family:sans-serif;max-width:55em;margin:auto}"
         ".prompt{background:#f4f4f8;padding:4px 12px}"
         "section{border-top:1px solid #ccc;padding:.1em 0 .8em}"
         ".none,.note{color:#a00;font-style:italic}"
         "pre{background:#f8f8f8;padding:6px;overflow:auto}"
         "code.tex{color:#555}.math{margin:.8em 0;overflow-x:auto}"
         "table{border-collapse:collapse;margin:.5em 0}"
         "td,th{border:1px solid #ccc;padding:2px 8px}th{background:#f4f4f8}")
# MathML layout elements and the number of children each needs: fewer means an argument
# was missing in the TeX (``\frac{a}``), which the converter does not report itself
ARITY = {"mfrac": 2, "msup": 2, "msub": 2, "msubsup": 3, "mroot": 2, "mover": 2,
         "munder": 2, "munderover": 3}
# mistune's inline math, but a formula may span the lines of its paragraph, as in Jupyter
INLINE_MATH = (r"\$\$(?P<display_math_text>(?:[^$\\]|\\[\s\S])*?)\$\$|"
               r"\$(?P<backtick_math_marker>`+)(?P<backtick_math_text>[\s\S]*?)"
               r"(?P=backtick_math_marker)\$|"
               r"\$(?!\$)(?!\s)(?P<math_text>(?:[^$\\]|\\[\s\S])+?)\$(?!\d)")
# what the converter copies into a token when it did not understand the TeX: a command
# name it does not know (``\notacommand``; in text too), a lone brace or alignment tab
_COMMAND, _COMMAND_OR_SYMBOL = re.compile(r"\\[A-Za-z]+"), re.compile(r"\\[A-Za-z]+|[{}&]")
UNREAD = {"mi": _COMMAND_OR_SYMBOL, "mo": _COMMAND_OR_SYMBOL, "mn": _COMMAND_OR_SYMBOL,
          "mtext": _COMMAND}


@dataclass(frozen=True)
class Answer:
    """One student's answer to one question. status: "answered", "unchanged" (the
    placeholder left), "missing" (no block for the question), "invalid" (unreadable
    submission); cells: the block's cells (cell_type, source, attachments)."""

    status: str
    cells: tuple = ()


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def answers(submission, manual: list[fmt.ManualQuestion]) -> dict[str, Answer]:
    """Question name -> Answer. A block belongs to the question whose prompt it repeats
    (Otter locks prompt cells); blocks left over go, in order, to the questions left."""
    if submission.error:
        return {q.name: Answer("invalid") for q in manual}
    blocks = list(submission.written)
    found: dict[str, dict] = {}
    for question in manual:
        prompt = _words(question.prompt)
        match = next((b for b in blocks if prompt and _words(b["prompt"]).startswith(prompt)),
                     None)
        if match is not None:
            found[question.name] = match
            blocks.remove(match)
    found.update(zip([q.name for q in manual if q.name not in found], blocks))
    out = {}
    for question in manual:
        block = found.get(question.name)
        if block is None:
            out[question.name] = Answer("missing")
            continue
        cells = tuple(c for c in block["cells"] if c["source"].strip())
        unchanged = all(c["source"].strip() == fmt.ANSWER_PLACEHOLDER for c in cells)
        out[question.name] = Answer("unchanged" if unchanged else "answered", cells)
    return out


# ----------------------------------------------------------------------------- rendering
class _Renderer(mistune.HTMLRenderer):
    """Escaped HTML; ``$...$`` / ``$$...$$`` as MathML (the TeX kept as code when it does
    not convert); ``attachment:`` images from the cell's own attachments."""

    def __init__(self, attachments: dict):
        super().__init__(escape=True)
        self.attachments = attachments

    def image(self, text, url, title=None):
        if url.startswith("attachment:"):
            data = self.attachments.get(url[len("attachment:"):])
            kind = next((k for k in IMAGE_TYPES if isinstance(data, dict) and k in data), None)
            if kind is None:
                return f"<span class='none'>[image {html.escape(url)} not in the notebook]</span>"
            payload = data[kind]
            try:
                base64.b64decode(payload, validate=True)
            except (ValueError, TypeError):  # not base64 text
                return "<span class='none'>[unreadable image]</span>"
            url = f"data:{kind};base64,{payload}"
        return super().image(text, url, title)


def _braces_balance(tex: str) -> bool:
    """Whether every ``{`` of ``tex`` is closed, in order (escaped ``\\{`` ``\\}`` aside)."""
    depth, escaped = 0, False
    for char in tex:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "{}":
            depth += 1 if char == "{" else -1
            if depth < 0:
                return False
    return depth == 0


@functools.cache
def _known_commands() -> frozenset:
    """Every control word latex2mathml converts (``\\frac``, ``\\alpha`` ...): others it
    drops without a word (``\\mathrmqq{Var}`` comes out as ``Var``)."""
    from latex2mathml import commands
    from latex2mathml.symbols_parser import SYMBOLS

    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, (dict, list, tuple, set, frozenset)):
            for item in value:
                yield from strings(item)
    found = [s for v in vars(commands).values() for s in strings(v)] + list(SYMBOLS)
    return frozenset(s for s in found if _COMMAND.fullmatch(s))


def _understood(tex: str, root) -> bool:
    """Whether the converter's MathML ``root`` renders all of ``tex``: braces balanced,
    every command known, every layout element with all its arguments, no TeX copied
    into a token."""
    if not _braces_balance(tex) or not set(_COMMAND.findall(tex)) <= _known_commands():
        return False
    for element in root.iter():
        if element.tag in ARITY and len(element) < ARITY[element.tag]:
            return False
        text = re.sub(r"&#x?[0-9A-Fa-f]+;", "", element.text or "")
        if element.tag in UNREAD and UNREAD[element.tag].search(text):
            return False
    return True


def _tex_source(tex: str, display: bool, why: str = "") -> str:
    """TeX that cannot be rendered: its source, with a visible note (and ``why``)."""
    fence = "$$" if display else "$"
    return (f"<code class='tex'>{html.escape(fence + tex + fence)}</code>"
            f"<span class='note'> (TeX not rendered{why}: shown as written)</span>")


def _math(tex: str, display: bool) -> str:
    """MathML of ``tex``, serialised here with everything escaped (latex2mathml's own
    ``convert`` un-escapes its output: ``\\text{<script>}`` would come out as markup);
    only MathML elements and presentation attributes are kept. TeX the converter rejects
    or does not render whole (``_understood``) is shown as its source, marked as such."""
    from xml.etree.ElementTree import tostring

    from latex2mathml.converter import convert_to_element

    if len(tex) > MAX_TEX_CHARS:  # conversion time and MathML grow faster than the TeX
        shown = _tex_source(tex, display, f": longer than {MAX_TEX_CHARS} characters")
        return f"<div class='math'>{shown}</div>" if display else shown
    try:
        root = convert_to_element(tex, display="block" if display else "inline")
    except Exception:  # any TeX the converter does not know
        root = None
    if root is None or not _understood(tex, root):
        shown = _tex_source(tex, display)
        return f"<div class='math'>{shown}</div>" if display else shown
    for element in list(root.iter()):
        if not MATHML_TAG.fullmatch(element.tag):
            element.tag, element.text = "mtext", f"[{element.tag}]"
        for name in [n for n in element.attrib if n not in MATHML_ATTRIBUTES]:
            del element.attrib[name]
    # the converter writes symbols as character references into text: restore those only
    mathml = re.sub(r"&amp;(#x?[0-9A-Fa-f]+;)", r"&\1", tostring(root, encoding="unicode"))
    return f"<div class='math'>{mathml}</div>" if display else mathml


def markdown_html(text: str, attachments: dict | None = None) -> str:
    """Student markdown as safe HTML (raw HTML escaped, harmful links dropped), tables
    included. A block that starts with an HTML tag is a paragraph like any other: its
    tags are shown escaped and the markdown around them is rendered (CommonMark would
    keep the whole block as raw HTML, which, escaped, shows its markdown as text)."""
    md = mistune.create_markdown(renderer=_Renderer(attachments or {}),
                                 plugins=["math", "table"])
    md.block.rules.remove("raw_html")
    md.inline.register("inline_math", INLINE_MATH, parse_inline_math, before="link")
    md.renderer.register("inline_math", lambda _, tex: _math(tex, False))
    md.renderer.register("block_math", lambda _, tex: _math(tex, True))
    return md(text)


def answer_html(answer: Answer) -> str:
    if answer.status == "missing":
        return "<p class='none'>no answer: the question's block is not in the notebook</p>"
    if answer.status == "invalid":
        return "<p class='none'>no answer: the submission could not be read</p>"
    if answer.status == "unchanged":
        return "<p class='none'>no answer: the answer cell was left unchanged</p>"
    parts = []
    for cell in answer.cells:
        if cell["cell_type"] == "markdown":
            parts.append(markdown_html(cell["source"], cell["attachments"]))
        else:
            parts.append(f"<pre>{html.escape(cell['source'])}</pre>")
    return "\n".join(parts)


def page(question: fmt.ManualQuestion, entries: list[tuple[str, Answer]]) -> str:
    """The HTML page of one question: prompt, then (label, answer) in the given order."""
    sections = [f"<section id='{html.escape(label.replace(' ', '-'))}'><h2>"
                f"{html.escape(label)}</h2>\n{answer_html(answer)}</section>"
                for label, answer in entries]
    answered = sum(a.status == "answered" for _, a in entries)
    title = f"{question.name} ({question.points:g} points)"
    return (f"<!doctype html><meta charset='utf-8'>"
            f"<meta http-equiv='Content-Security-Policy' content=\"{POLICY}\">"
            f"<title>{html.escape(title)}</title><style>{STYLE}</style>"
            f"<h1>{html.escape(title)}</h1>"
            f"<div class='prompt'>{markdown_html(question.prompt)}</div>"
            f"<p>{answered} of {len(entries)} students answered.</p>\n"
            + "\n".join(sections) + "\n")


# ----------------------------------------------------------------------------- output
def write(out: Path, run: Run) -> None:
    """The question pages, the template and (when absent) OUT/manual.csv."""
    marking = run.marking
    if marking is None or not marking.questions:
        return
    out = Path(out)
    folder = out / "written"
    students = sorted(run.submissions, key=lambda s: s.student)
    names = pseudonyms(out, [s.student for s in students]) if marking.anonymous else {}
    label = lambda s: names.get(s.student, s.student)  # noqa: E731
    if marking.anonymous:
        students.sort(key=label)
    given = {s.student: answers(s, marking.questions) for s in students}
    for question in marking.questions:
        entries = [(label(s), given[s.student][question.name]) for s in students]
        files.write_text(folder / f"{question.name}.html", page(question, entries))
    rows = [["student", *marking.points], *([label(s)] + [""] * len(marking.questions)
                                            for s in students)]
    files.write_csv(out / TEMPLATE, rows)
    if not (out / SHEET).exists():
        files.write_csv(out / SHEET, rows)
