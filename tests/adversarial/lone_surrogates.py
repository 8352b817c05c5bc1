"""Text no encoder accepts (lone surrogates) and escape sequences in a public check's
message, in a notebook error and in what it prints: every writer must replace, never
raise."""
BASE = "solution"
LOSES = ["cross_entropy"]
STATUS = "graded"

# %%
def cross_entropy(z, y):
    raise ValueError("\ud800 no encoder takes this \udfff \x1b]0;owned\x07\x1b[2J")


import sys

sys.stdout.buffer.write("\ud800\x1b]52;c;cm0gLXJmIH4=\x07\n".encode("utf-8", "surrogatepass"))

# %%
raise RuntimeError("\udc80 a notebook error \x1b[1A\x1b[2K")
