"""Replaces the student process's answers with values the decoder does not expect: a
Generator whose state lies, a complex number too large for a float, a list that is not
one, an exception description with escape sequences and a lone surrogate."""
BASE = "solution"
LOSES = ["dropout_mask", "softmax", "adam_step", "rmsprop_step"]
STATUS = "graded"

# %%
import gc

server = next(o for o in gc.get_objects() if type(o).__name__ == "StudentServer")
honest_call = server.operations["call"]
FORGED = {
    "dropout_mask": {"ok": {"R": {"D": [["bit_generator", "PCG64"], ["state", 5]]}}},
    "softmax": {"ok": {"C": [10**400, 0]}},
    "adam_step": {"ok": {"L": 7}, "writeback": [{"path": ["a", 99], "value": 1}]},
    "rmsprop_step": {"raise": {"type": "\x1b[2J", "builtin": "ValueError",
                               "message": "\ud800" * 10, "args": {"D": 5}}},
}


def forged_call(header, blobs, out):
    target = header.get("target")
    if isinstance(target, str) and target in FORGED:
        return FORGED[target]
    return honest_call(header, blobs, out)


server.operations["call"] = forged_call
