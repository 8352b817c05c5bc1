"""minibatches yields 32 MB batches without end: the grader must stop taking them before
it holds more than a bounded amount of data."""
BASE = "solution"
LOSES = ["minibatches"]
STATUS = "error"

# %%
import numpy as np


def minibatches(X, y, batch_size, shuffle=True, rng=None):
    block = np.ones(4 << 20)
    while True:
        yield block, block
