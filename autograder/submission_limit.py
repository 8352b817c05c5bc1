"""A limit on graded submissions per time window on Gradescope (against answer fishing).

The instructor sets it in the master notebook's ASSIGNMENT CONFIG, with the keys of
Otter's RateLimiting plugin (the anchor of this behaviour)::

    submission_limit:
        allowed_submissions: 3     # graded submissions per window
        days: 1                    # the window: weeks, days, hours, minutes, seconds

The release checks it, takes it out of Otter's config and ships it in the zip as
``files/submission_limit.json``. The zip's run_autograder (``autograder.gradescope``)
reads Gradescope's ``/autograder/submission_metadata.json``: ``created_at`` (this
submission's time, ISO 8601 with its offset) and ``previous_submissions``
(``submission_time``, ``score`` and ``results``, the results.json each got). As in
Otter's plugin, the window ends at ``created_at`` (a regrade later counts the same).
Unlike Otter's plugin, only graded submissions count: one refused over the limit (or an
upload without a notebook) is marked in its results.json
(``extra_data.submission_limit.graded: false``) and never counts, so trying again never
pushes the next graded submission back.

Past the limit the submission is not graded: its results.json is the best previous
graded result (score, tests, leaderboard) under a message saying when the next graded
submission is possible. Metadata that cannot be read (missing, not JSON, a field of the
wrong kind) never blocks grading: the submission is graded and the staff output says why
the limit was not applied.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

CONFIG_KEY = "submission_limit"        # in the master's ASSIGNMENT CONFIG
SHIPPED = "submission_limit.json"       # in the zip's files/ (Otter's autograder_files)
WINDOW_UNITS = ("weeks", "days", "hours", "minutes", "seconds")
METADATA = "submission_metadata.json"
MARK = "submission_limit"  # key of results.json's extra_data


class LimitError(ValueError):
    """A ``submission_limit`` that does not define a limit; the message says why."""


@dataclass(frozen=True)
class Limit:
    """``allowed`` graded submissions in any ``window`` (described by ``text``)."""

    allowed: int
    window: timedelta
    text: str

    @classmethod
    def from_config(cls, settings) -> "Limit":
        """The limit of a ``submission_limit`` entry; LimitError when it is malformed."""
        if not isinstance(settings, dict):
            raise LimitError(f"{CONFIG_KEY}: expected allowed_submissions and a window "
                             f"({', '.join(WINDOW_UNITS)})")
        unknown = sorted(set(settings) - {"allowed_submissions", *WINDOW_UNITS})
        if unknown:
            raise LimitError(f"{CONFIG_KEY}: unknown key(s) {unknown}; the window is given "
                             f"in {', '.join(WINDOW_UNITS)}")
        allowed = settings.get("allowed_submissions")
        if type(allowed) is not int or allowed < 1:
            raise LimitError(f"{CONFIG_KEY}: allowed_submissions must be a whole number "
                             f">= 1, got {allowed!r}")
        amounts = {unit: settings.get(unit, 0) for unit in WINDOW_UNITS}
        if any(type(v) not in (int, float) or not math.isfinite(v) or v < 0
               for v in amounts.values()):
            raise LimitError(f"{CONFIG_KEY}: {', '.join(WINDOW_UNITS)} must be numbers >= 0")
        window = timedelta(**amounts)
        if window <= timedelta(0):
            raise LimitError(f"{CONFIG_KEY}: the window ({', '.join(WINDOW_UNITS)}) is empty")
        text = " ".join(f"{v:g} {unit if v != 1 else unit[:-1]}"
                        for unit, v in amounts.items() if v)
        return cls(allowed, window, text)


@dataclass(frozen=True)
class Previous:
    """One earlier submission: when, its score, its results.json (None when absent), and
    whether it was graded (refused ones are marked by ``refused_results``)."""

    time: datetime
    score: float | None
    results: dict | None
    graded: bool


@dataclass(frozen=True)
class Decision:
    """What to do with this submission. ``grade``: grade it; ``student``: the message
    for the student (top of results.json's output); ``staff``: a note for the course
    staff (run_autograder's stdout, hidden from students); ``results``: when not graded,
    the results.json to write."""

    grade: bool
    student: str = ""
    staff: str = ""
    results: dict | None = None


class MetadataError(ValueError):
    """Gradescope's submission metadata cannot be read; the message says what is wrong."""


def _time(value, what: str) -> datetime:
    if not isinstance(value, str):
        raise MetadataError(f"{what} is not a time: {value!r}")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise MetadataError(f"{what} is not an ISO 8601 time: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _score(value) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        score = float(value)
    except (TypeError, ValueError):
        return None
    return score if math.isfinite(score) else None


def read_metadata(path: Path) -> tuple[datetime, list[Previous]]:
    """(this submission's time, the earlier submissions) of submission_metadata.json;
    MetadataError when it cannot be read whole."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MetadataError(f"{path} is missing") from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as e:
        raise MetadataError(f"{path} is not JSON ({type(e).__name__})") from None
    if not isinstance(data, dict):
        raise MetadataError(f"{path} is not a JSON object")
    now = _time(data.get("created_at"), "created_at")
    earlier = data.get("previous_submissions", [])
    if not isinstance(earlier, list):
        raise MetadataError("previous_submissions is not a list")
    found = []
    for i, entry in enumerate(earlier):
        if not isinstance(entry, dict):
            raise MetadataError(f"previous_submissions[{i}] is not an object")
        results = entry.get("results") if isinstance(entry.get("results"), dict) else None
        extra = (results or {}).get("extra_data")
        mark = extra.get(MARK) if isinstance(extra, dict) else None
        graded = not (isinstance(mark, dict) and mark.get("graded") is False)
        found.append(Previous(_time(entry.get("submission_time"),
                                    f"previous_submissions[{i}].submission_time"),
                              _score(entry.get("score")), results, graded))
    return now, found


def _duration(delta: timedelta) -> str:
    minutes = max(1, math.ceil(delta.total_seconds() / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} d"] * bool(days) + [f"{hours} h"] * bool(hours) \
        + [f"{minutes} min"] * bool(minutes)
    return " ".join(parts)


def _moment(when: datetime, like: datetime) -> str:
    """``when`` in the offset of ``like`` (the course's time zone, as Gradescope gives it)."""
    local = when.astimezone(like.tzinfo)
    offset = local.strftime("%z")  # +HHMM
    return f"{local:%Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]})"


def decide(limit: Limit | None, metadata: Path) -> Decision:
    """Whether this submission is graded under ``limit`` (see the module docstring)."""
    if limit is None:
        return Decision(True)
    try:
        now, earlier = read_metadata(metadata)
    except MetadataError as e:
        return Decision(True, staff=f"submission limit not applied (graded normally): {e}")
    graded = [p for p in earlier if p.graded and p.time <= now]
    recent = sorted(p.time for p in graded if now - p.time < limit.window)
    rule = f"{limit.allowed} graded submission{'s' * (limit.allowed != 1)} per {limit.text}"
    if len(recent) < limit.allowed:
        return Decision(True, student=f"Submission limit: {rule}; this is graded submission "
                                      f"{len(recent) + 1} of {limit.allowed} in the last "
                                      f"{limit.text}.")
    opens = recent[-limit.allowed] + limit.window
    message = (f"Not graded: the limit is {rule}, and you have used them. Your next "
               f"submission can be graded from {_moment(opens, now)}, in "
               f"{_duration(opens - now)}.")
    return Decision(False, student=message,
                    results=refused_results(message, graded, opens, now))


def refused_results(message: str, graded: list[Previous], opens: datetime,
                    now: datetime) -> dict:
    """results.json of a submission refused over the limit: the best previous graded
    result, its score and tests shown again, under ``message`` (times shown in the
    offset of ``now``)."""
    scored = [p for p in graded if p.score is not None]
    best = max(scored, key=lambda p: (p.score, p.time), default=None)
    shown = dict(best.results) if best is not None and best.results else {}
    if best is None:
        shown["score"] = 0.0
        note = ("Your earlier results could not be read: in Gradescope, open your "
                "submission history and activate your best submission.")
    else:
        shown["score"] = best.score
        note = (f"Your best score so far, {best.score:g}, stays your score: its results, "
                f"from your submission of {_moment(best.time, now)}, follow.")
    previous_output = shown.get("output") if isinstance(shown.get("output"), str) else ""
    shown["output"] = "\n\n".join(filter(None, [message, note, previous_output]))
    shown["extra_data"] = {MARK: {**not_graded_mark()[MARK], "next_graded": opens.isoformat()}}
    shown.setdefault("tests", [])
    return shown


def configured(source: Path) -> Limit | None:
    """The limit shipped in the zip (``source``: the unpacked zip); None without one
    (LimitError when it is unreadable or malformed)."""
    path = Path(source) / "files" / SHIPPED
    if not path.exists():
        return None
    try:
        settings = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise LimitError(f"{path}: unreadable ({type(e).__name__})") from None
    return Limit.from_config(settings)


def check(root: Path) -> Decision:
    """The decision for the submission of a Gradescope run rooted at ``root``
    (``/autograder``): the zip's limit applied to its metadata."""
    try:
        limit = configured(Path(root) / "source")
    except LimitError as e:
        return Decision(True, staff=f"submission limit not applied (graded normally): {e}")
    return decide(limit, Path(root) / METADATA)


def not_graded_mark() -> dict:
    """results.json's extra_data of a submission that was not graded (never counted)."""
    return {MARK: {"graded": False}}
