"""A Q7 answer too large for a float (the diagnosis compared it as one and overflowed)."""
BASE = "solution"
LOSES = ["megabytes_1"]
STATUS = "graded"

# %%
megabytes_1 = 10**400
