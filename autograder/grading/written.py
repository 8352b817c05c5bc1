"""Written answers (Otter manual questions), graded by question across the class.

From the master notebook's manual questions (name, points, prompt) and each submission's
``<!-- BEGIN QUESTION -->`` blocks (``Submission.written``):

- ``OUT/written/<question>.html``: the prompt, then every student's answer (by student id,
  or with ``anonymous`` by pseudonym), markdown rendered, math as MathML (no script, no
  network: the page's Content-Security-Policy allows only inline styles and images
  pasted into the notebook), missing and unchanged answers marked as such;
- ``OUT/manual-template.csv`` (rewritten every run) and ``OUT/manual.csv`` (written only
  when absent, so a sheet being filled in is never overwritten): ``student`` and one empty
  column per question, for the TA's scores;
- ``read_scores``: a filled sheet, checked whole before anything is graded; its scores
  become extra cases of each result (``merge``), so gradebook, totals and feedback count
  them. An empty cell is not graded yet: it counts 0 and its column stays empty.

Pseudonyms ("student 07") are numbered once per OUT folder, in an order that does not
follow the ids, and kept in ``OUT/pseudonyms.csv`` (out of ``written/``, the folder for
graders): stable across reruns, new students get the next numbers. A sheet may name
students by id or pseudonym.
"""
from __future__ import annotations

import base64
import csv
import functools
import hashlib
import html
import math
import re
from dataclasses import dataclass, replace
from pathlib import Path

import mistune
import nbformat
from mistune.plugins.math import parse_inline_math

from autograder import otter_format as fmt
from autograder.grading.submissions import InputError

SHEET, TEMPLATE, KEY = "manual.csv", "manual-template.csv", "pseudonyms.csv"
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif")
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


# ----------------------------------------------------------------------------- questions
def questions(assignment_name: str) -> list[fmt.ManualQuestion]:
    """Manual questions of the assignment's master notebook (none when it has no master
    here, e.g. a test fixture)."""
    from autograder.notebooks import master_path

    path = master_path(assignment_name)
    return fmt.manual_questions(nbformat.read(path, as_version=4)) if path.exists() else []


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
            payload = data[kind] if isinstance(data[kind], str) else "".join(data[kind])
            try:
                base64.b64decode(payload, validate=True)
            except ValueError:
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


def _tex_source(tex: str, display: bool) -> str:
    """TeX that cannot be rendered: its source, with a visible note."""
    fence = "$$" if display else "$"
    return (f"<code class='tex'>{html.escape(fence + tex + fence)}</code>"
            "<span class='note'> (TeX not rendered: shown as written)</span>")


def _math(tex: str, display: bool) -> str:
    """MathML of ``tex``, serialised here with everything escaped (latex2mathml's own
    ``convert`` un-escapes its output: ``\\text{<script>}`` would come out as markup);
    only MathML elements and presentation attributes are kept. TeX the converter rejects
    or does not render whole (``_understood``) is shown as its source, marked as such."""
    from xml.etree.ElementTree import tostring

    from latex2mathml.converter import convert_to_element

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


# ----------------------------------------------------------------------------- pseudonyms
def pseudonyms(out: Path, students: list[str]) -> dict[str, str]:
    """Student id -> "student NN", kept in OUT/pseudonyms.csv (see module doc)."""
    path = key_path(out)
    known = _read_key(path)
    new = sorted((s for s in students if s not in known),
                 key=lambda s: hashlib.sha256(s.encode()).hexdigest())
    numbers = [int(p.split()[-1]) for p in known.values()]
    for n, student in enumerate(new, start=max(numbers, default=0) + 1):
        known[student] = f"student {n:02d}"
    if new:
        _write_csv(path, [["student", "pseudonym"], *sorted(known.items())])
    return known


def key_path(out: Path) -> Path:
    """OUT/pseudonyms.csv: beside the pages, never in ``written/`` (the folder handed to
    graders). A key an earlier version kept in ``written/`` is moved here first; where
    both exist, its students not in the key here are added (new numbers for clashes)."""
    path, old = Path(out) / KEY, Path(out) / "written" / KEY
    if old.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            known = _read_key(path)
            taken = set(known.values())
            for student, pseudonym in _read_key(old).items():
                if student not in known:
                    number = int(pseudonym.split()[-1])
                    if pseudonym in taken:
                        number = max(int(p.split()[-1]) for p in taken) + 1
                    known[student] = f"student {number:02d}"
                    taken.add(known[student])
            _write_csv(path, [["student", "pseudonym"], *sorted(known.items())])
            old.unlink()
        else:
            old.replace(path)
    return path


def _read_key(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    with open(path, newline="") as f:
        return {row["student"]: row["pseudonym"] for row in csv.DictReader(f)
                if re.fullmatch(r"student \d+", row.get("pseudonym") or "")}


# ----------------------------------------------------------------------------- the sheet
class ManualSheetError(InputError):
    """A filled manual.csv with bad lines; the message lists every one."""


def read_scores(path: Path, students: list[str], manual: list[fmt.ManualQuestion],
                aliases: dict[str, str] | None = None) -> dict[str, dict[str, float]]:
    """Student -> {question: points} of a filled sheet (empty cells left out). Every bad
    line (unknown student or column, a duplicate row, a score that is not a number
    within [0, points]) is collected; any raises ManualSheetError listing them all."""
    points = {q.name: q.points for q in manual}
    by_name = {**{p: s for s, p in (aliases or {}).items()}, **{s: s for s in students}}
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            lines = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise ManualSheetError(f"{path}: unreadable ({e})") from None
    if not lines or not lines[0] or lines[0][0].strip() != "student":
        raise ManualSheetError(f"{path}: line 1: the first column must be 'student'")
    header = [h.strip() for h in lines[0]]
    problems = [f"line 1: unknown column {h!r} (written questions: {', '.join(points)})"
                for h in header[1:] if h not in points]
    problems += [f"line 1: column {h!r} appears twice" for h in dict.fromkeys(header[1:])
                 if header.count(h) > 1]
    scores: dict[str, dict[str, float]] = {}
    for number, row in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        name = row[0].strip()
        student = by_name.get(name)
        if student is None:
            problems.append(f"line {number}: unknown student {name!r}")
            continue
        if student in scores:
            problems.append(f"line {number}: {name!r} appears twice")
            continue
        if len(row) > len(header):
            problems.append(f"line {number}: {len(row)} cells, the header has {len(header)}")
        scores[student] = {}
        for column, cell in zip(header[1:], row[1:]):
            if column not in points or not cell.strip():
                continue
            try:
                value = float(cell)
            except ValueError:
                value = math.nan
            if not math.isfinite(value) or not 0 <= value <= points[column]:
                problems.append(f"line {number}: {column} = {cell.strip()!r} is not a "
                                f"number from 0 to {points[column]:g}")
            else:
                scores[student][column] = value
    if problems:
        raise ManualSheetError(f"{path}: {len(problems)} bad line(s), nothing changed:\n  "
                               + "\n  ".join(problems))
    return {s: q for s, q in scores.items() if q}


def _write_csv(path: Path, rows) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", newline="") as f:
        csv.writer(f).writerows(rows)
    tmp.replace(path)


# ----------------------------------------------------------------------------- a run
@dataclass
class Marking:
    """The written questions of one ``make grade`` run: the questions, the filled scores
    (checked when the run starts) and whether pages hide names."""

    questions: list
    scores: dict
    anonymous: bool = False

    @classmethod
    def start(cls, assignment_name: str, out: Path, submissions, sheet: Path | None = None,
              anonymous: bool = False) -> "Marking":
        """Read the questions and the filled sheet (ManualSheetError when it is bad)."""
        manual = questions(assignment_name)
        if sheet is not None and not manual:
            raise InputError(f"assignment {assignment_name!r} has no written questions: "
                             f"--manual {sheet} has nothing to fill")
        students = [s.student for s in submissions]
        scores = read_scores(Path(sheet), students, manual, _read_key(
            key_path(out))) if sheet is not None else {}
        return cls(manual, scores, anonymous)

    @property
    def points(self) -> dict[str, float]:
        return {q.name: q.points for q in self.questions}

    def merge(self, result):
        """``result`` with the student's written scores as cases (not saved to results/)."""
        filled = self.scores.get(result.student, {})
        cases = [{"id": f"{q}.written", "question": q, "name": "written answer",
                  "points": self.points[q], "score": score, "passed": score >= self.points[q],
                  "hidden": False, "message": "", "manual": True}
                 for q, score in filled.items()]
        return replace(result, cases=result.cases + cases) if cases else result

    def write(self, out: Path, submissions) -> None:
        """The question pages, the template and (when absent) OUT/manual.csv."""
        if not self.questions:
            return
        out = Path(out)
        folder = out / "written"
        folder.mkdir(parents=True, exist_ok=True)
        students = sorted(submissions, key=lambda s: s.student)
        names = pseudonyms(out, [s.student for s in students]) if self.anonymous else {}
        label = lambda s: names.get(s.student, s.student)  # noqa: E731
        if self.anonymous:
            students.sort(key=label)
        given = {s.student: answers(s, self.questions) for s in students}
        for question in self.questions:
            entries = [(label(s), given[s.student][question.name]) for s in students]
            (folder / f"{question.name}.html").write_text(page(question, entries),
                                                          encoding="utf-8")
        rows = [["student", *self.points], *([label(s)] + [""] * len(self.questions)
                                             for s in students)]
        _write_csv(out / TEMPLATE, rows)
        if not (out / SHEET).exists():
            _write_csv(out / SHEET, rows)
