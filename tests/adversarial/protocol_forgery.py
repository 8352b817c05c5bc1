"""Writes forged and garbage messages to every socket it holds, claiming success."""
BASE = "student"
LOSES = "all"
STATUS = "graded"

# %%
import json
import os
import stat
import struct


def forge(header):
    data = json.dumps({**header, "blobs": []}).encode()
    return struct.pack("<I", len(data)) + data


for fd in range(64):
    try:
        if stat.S_ISSOCK(os.fstat(fd).st_mode):
            os.write(fd, forge({"ok": {"errors": [], "isolation": {}}}))
            os.write(fd, forge({"ok": {"adam_step": {"kind": "data", "value": 53}}}))
            os.write(fd, b"\xff" * 64)
    except OSError:
        pass
