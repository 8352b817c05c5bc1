"""adam_step sleeps for an hour: only the cases that call it may be lost."""
BASE = "solution"
LOSES = ["adam_step"]
STATUS = "timeout"

# %%
import time

_honest_adam_step = adam_step


def adam_step(*args, **kwargs):
    time.sleep(3600)
    return _honest_adam_step(*args, **kwargs)
