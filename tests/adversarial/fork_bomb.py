"""Forks until the system refuses (children sleep forever); its answers are honest."""
BASE = "solution"
LOSES = []
STATUS = "graded"

# %%
import os
import time

for _ in range(10_000):
    try:
        if os.fork() == 0:
            time.sleep(3600)
            os._exit(0)
    except OSError:
        break
