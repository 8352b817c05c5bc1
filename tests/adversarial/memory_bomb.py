"""Allocates until memory runs out, at top level and in batchnorm_forward."""
BASE = "solution"
LOSES = ["batchnorm_forward"]
STATUS = "graded"

# %%
hoard = []
try:
    while True:
        hoard.append(bytearray(256 << 20))
except MemoryError:
    hoard.clear()
_honest_batchnorm_forward = batchnorm_forward


def batchnorm_forward(*args, **kwargs):
    grow = [bytearray(256 << 20) for _ in range(1000)]
    return _honest_batchnorm_forward(*args, **kwargs)
