"""Its notebook's reply to the grader says that "errors" is a number (the grader iterated
it and crashed); its isolation record claims what it likes, with escape sequences."""
BASE = "solution"
LOSES = "all"
STATUS = "error"

# %%
import gc

server = next(o for o in gc.get_objects() if type(o).__name__ == "StudentServer")
honest_send = server.channel.send


def forged_send(header, blobs=(), deadline=None):
    if "ok" in header and isinstance(header["ok"], dict) and "errors" in header["ok"]:
        header = {"ok": {"errors": 5, "isolation": {"filesystem": "\x1b]0;owned\x07open"}}}
    return honest_send(header, blobs, deadline)


server.channel.send = forged_send
