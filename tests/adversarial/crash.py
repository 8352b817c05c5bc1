"""ema dereferences a null pointer (segmentation fault of the process)."""
BASE = "solution"
LOSES = ["ema"]
STATUS = "error"

# %%
import ctypes


def ema(values, beta, bias_correction=True):
    return ctypes.string_at(0)
