"""A top-level cell that never ends (busy loop): the notebook itself times out."""
BASE = "solution"
LOSES = "all"
STATUS = "timeout"

# %%
while True:
    pass
