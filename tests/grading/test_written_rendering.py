"""The written-answer pages show what the student wrote, as Jupyter would: tables, markdown
beside raw HTML, display math apart from its neighbours, TeX that cannot be rendered shown
as written with a note; the pseudonym key is kept out of the graders' folder."""
import base64
import csv
import html
import random
import re

import nbformat
import pytest

from autograder.grading import manual
from autograder.grading.outputs import written
from autograder.notebooks import master_path

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 16).decode()
NOTE = "(TeX not rendered: shown as written)"


def master_formulas() -> list[tuple[str, bool]]:
    """(TeX, display) of every formula in the master notebooks' markdown: valid TeX."""
    found = []
    for assignment in ("optimization", "mnist"):
        nb = nbformat.read(master_path(assignment), as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                text = re.sub(r"`[^`]*`", "", cell.source)
                found += [(m, True) for m in re.findall(r"\$\$(.+?)\$\$", text, re.S)]
                text = re.sub(r"\$\$(.+?)\$\$", "", text, flags=re.S)
                found += [(m, False) for m in re.findall(r"\$([^$]+)\$", text)]
    return found


FORMULAS = master_formulas()


def test_every_formula_of_the_masters_renders_as_mathml():
    assert len(FORMULAS) > 50
    for tex, display in FORMULAS:
        page = written.markdown_html(f"$${tex}$$" if display else f"${tex}$")
        assert "<math" in page and NOTE not in page, tex


def _cut_after_first_argument(tex: str, command: str) -> str:
    """``tex`` up to the end of ``command``'s first braced argument (the rest dropped)."""
    depth = 0
    for i in range(tex.index(command) + len(command) - 1, len(tex)):
        depth += {"{": 1, "}": -1}.get(tex[i], 0)
        if depth == 0:
            return tex[:i + 1]
    return tex


def _broken(tex: str, rng: random.Random) -> list[str]:
    """Broken variants of valid TeX: a closing brace removed, an opening one added, a
    command misspelled, a fraction cut after its first argument, a stray alignment tab."""
    out = []
    closing = [i for i, c in enumerate(tex) if c == "}" and tex[i - 1] != "\\"]
    if closing:
        i = rng.choice(closing)
        out.append(tex[:i] + tex[i + 1:])
    out.append(tex + " {x")
    commands = [m for m in re.finditer(r"\\[A-Za-z]+", tex)]
    if commands:
        m = rng.choice(commands)
        out.append(tex[:m.end()] + "qq" + tex[m.end():])
    out.append(_cut_after_first_argument(tex, r"\frac{") if r"\frac{" in tex
               else tex + r" \frac{a}")
    out.append(tex + " & b")
    return out


def test_broken_tex_is_shown_as_written_with_a_note():
    rng = random.Random(0)
    cases = [b for tex, _ in FORMULAS for b in _broken(tex, rng)]
    cases += [r"\frac{a}", r"\notacommand x", r"x^{2", r"}", r"\left( x", r"x^",
              r"\text{\foo}", r"\begin{matrix} a \end{pmatrix}"]
    assert len(cases) > 250
    for tex in cases:
        for display in (False, True):
            page = written.markdown_html(f"$${tex}$$" if display else f"${tex}$")
            assert "<math" not in page and NOTE in page, tex
            assert html.escape(tex, quote=False) in html.unescape(page.replace("&amp;", "&")) \
                or html.escape(tex) in page, tex


@pytest.mark.parametrize("rows, columns", [(1, 1), (2, 3), (5, 4)])
def test_markdown_tables_are_tables(rows, columns):
    header = "| " + " | ".join(f"h{j}" for j in range(columns)) + " |"
    rule = "|" + "|".join([":---", "---:", ":---:", "---"][j % 4] for j in range(columns)) + "|"
    body = ["| " + " | ".join(f"**c{i}{j}**" for j in range(columns)) + " |" for i in range(rows)]
    page = written.markdown_html("\n".join(["Table:", "", header, rule, *body]))
    assert "|" not in page
    assert page.count("<tr>") == rows + 1 and page.count("<td") == rows * columns
    assert len(re.findall(r"<th[ >]", page)) == columns
    assert page.count("<strong>") == rows * columns


# every kind of line CommonMark opens an HTML block with (its types 1 to 7)
HTML_STARTS = ["<script>", "<pre>", "<style>", "<!-- a note -->", "<?php ?>", "<!DOCTYPE x>",
               "<![CDATA[ x ]]>", "<div>", "<center>", "<p align=center>", "<details>",
               "<table>", "<b>", "<span class=x>", "<img src=x>", "</div>"]


@pytest.mark.parametrize("start", HTML_STARTS)
@pytest.mark.parametrize("same_line", [True, False])
def test_markdown_after_raw_html_is_rendered_and_the_html_escaped(start, same_line):
    text = start + (" " if same_line else "\n") + "**bold** and ![plot](attachment:a.png)"
    page = written.markdown_html(text, {"a.png": {"image/png": PNG}})
    assert "<strong>bold</strong>" in page, page
    assert f"<img src=\"data:image/png;base64,{PNG}\"" in page, page
    assert html.escape(start, quote=False) in page or html.escape(start) in page
    tags = re.findall(r"<\s*([a-zA-Z!?/][^\s>]*)", page)
    assert set(tags) <= {"p", "/p", "strong", "/strong", "img"}, tags


def test_display_math_stands_apart_from_text_and_from_the_separators():
    page = written.page(manual.questions("optimization")[2], [
        ("alice", written.Answer("answered", ({"cell_type": "markdown", "attachments": {},
                                               "source": "$$\\hat y - y$$"},))),
        ("bob", written.Answer("answered", ({"cell_type": "markdown", "attachments": {},
                                             "source": "so\n$$a$$\nthus $$b$$"},)))])
    blocks = re.findall(r"<math[^>]*display=\"block\"", page)
    wrapped = re.findall(r"<div class='math'><math[^>]*display=\"block\"", page)
    assert len(blocks) == 3 and len(wrapped) == 3
    style = re.search(r"<style>(.*?)</style>", page).group(1)
    assert re.search(r"\.math\{margin:\.8em 0", style)  # space above and below each block
    assert re.search(r"section\{[^}]*padding:\.1em 0 \.8em", style)  # and before a separator


def test_the_pseudonym_key_lives_beside_the_pages_and_an_old_key_moves_there(tmp_path):
    old = tmp_path / "written" / manual.KEY
    old.parent.mkdir()
    with open(old, "w", newline="") as f:
        csv.writer(f).writerows([["student", "pseudonym"], ["alice", "student 07"]])
    names = manual.pseudonyms(tmp_path, ["alice", "bob"])
    assert names["alice"] == "student 07" and names["bob"] == "student 08"
    assert not old.exists() and (tmp_path / manual.KEY).is_file()
    # an old key written again beside the new one (an earlier version rerun): merged
    with open(old, "w", newline="") as f:
        csv.writer(f).writerows([["student", "pseudonym"], ["carol", "student 08"],
                                 ["alice", "student 01"]])
    names = manual.pseudonyms(tmp_path, ["alice", "bob", "carol"])
    assert names == {"alice": "student 07", "bob": "student 08", "carol": "student 09"}
    assert not old.exists()
