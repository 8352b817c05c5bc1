"""What ``grader.check`` shows for a failed check: its message first, then the check's call.

Otter 7 turns each failed test case into "❌ Test case failed" and the whole verbose
doctest report (``otter.test_files.ok_test.run_doctest``): every example tried, then the
traceback through doctest and the check, the message at the bottom, about 20 lines.
``grader.check`` and ``grader.check_all`` display a test file through
``TestFile.summary`` (text) and ``TestFile._repr_html_`` (Jupyter); ``install`` wraps
both so that each failed result reads::

    ❌ minibatches(X, y, 4, shuffle=False) with 10 samples: batch sizes should be ...
       check: minibatches_cover_the_data(minibatches)

Shipped next to every student notebook as ``otter_messages.py``; the public checks call
``install`` when the file is there. A report that is not a doctest exception (output
that differs, a passed case) is shown as Otter writes it. Standard library only.
"""
from __future__ import annotations

import functools

FAILED = "❌ Test case failed\n"
TRACEBACK = "Traceback (most recent call last):"


def _indented_block(lines: list[str], start: int) -> list[str]:
    """The lines from ``start`` that doctest indented by 4 spaces, without the indent."""
    block = []
    for line in lines[start:]:
        if not line.startswith("    ") and line.strip():
            break
        block.append(line[4:])
    return block


def message_first(report: str) -> str:
    """Otter's message of a failed doctest case, shown as the exception's message and
    the call that raised it (see the module docstring); other reports unchanged."""
    if not report.startswith(FAILED):
        return report
    lines = report[len(FAILED):].split("\n")
    try:
        failed = lines.index("Failed example:")
        raised = lines.index("Exception raised:", failed)
    except ValueError:
        return report
    call = " ".join(line.strip() for line in _indented_block(lines, failed + 1))
    block = _indented_block(lines, raised + 1)
    starts = [i for i, line in enumerate(block) if line == TRACEBACK]
    after = block[starts[-1] + 1:] if starts else block
    first = next((i for i, line in enumerate(after) if line and not line.startswith(" ")),
                 None)
    if first is None:
        return report
    message = "\n".join(after[first:]).strip()
    if message == "AssertionError":
        message = "the check failed (it gives no message)"
    elif message.startswith("AssertionError: "):
        message = message[len("AssertionError: "):]
    return f"❌ {message}\n   check: {call}"


def _showing_message_first(method):
    @functools.wraps(method)
    def shown(self, *args, **kwargs):
        for result in self.test_case_results:
            if not result.passed and isinstance(result.message, str):
                result.message = message_first(result.message)
        return method(self, *args, **kwargs)
    shown.message_first = True
    return shown


def install() -> None:
    """Make Otter show failed checks message first (nothing without Otter; once only)."""
    try:
        from otter.test_files.abstract_test import TestFile
    except ImportError:
        return
    for name in ("summary", "_repr_html_"):
        method = getattr(TestFile, name)
        if not getattr(method, "message_first", False):
            setattr(TestFile, name, _showing_message_first(method))
