"""softmax_jacobian, which only hidden checks call, ends its process with an exit code
computed from the hidden input: 8 bits per death if the code ever reached the student."""
BASE = "solution"
LOSES = ["softmax_jacobian"]
STATUS = "error"

# %%
import os


def softmax_jacobian(s):
    os._exit(int(abs(float(s.sum())) * 1000) % 256)
