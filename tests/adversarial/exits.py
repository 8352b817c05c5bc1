"""softmax_jacobian calls sys.exit, cross_entropy os._exit, a top-level cell sys.exit()."""
BASE = "solution"
LOSES = ["softmax_jacobian", "cross_entropy"]
STATUS = "error"

# %%
import os
import sys

sys.exit("bye")

# %%
def softmax_jacobian(s):
    sys.exit(1)


def cross_entropy(z, y):
    os._exit(3)
