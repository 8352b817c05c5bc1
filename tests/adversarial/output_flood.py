"""Prints gigabytes at top level and before returning from lr_decay."""
BASE = "solution"
LOSES = ["lr_decay"]
STATUS = "graded"

# %%
chunk = "x" * (1 << 20)
for _ in range(4096):
    print(chunk)

# %%
_honest_lr_decay = lr_decay


def lr_decay(lr0, epoch, decay_rate):
    for _ in range(4096):
        print(chunk)
    return _honest_lr_decay(lr0, epoch, decay_rate)
