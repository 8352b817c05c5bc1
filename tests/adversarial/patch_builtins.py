"""Replaces builtins the checks might use (isinstance, len, abs, AssertionError) and
plants fake grading modules in sys.modules; its own process breaks."""
BASE = "student"
LOSES = "all"
STATUS = "error"

# %%
import builtins
import sys
import types

builtins.isinstance = lambda obj, cls: True
builtins.abs = lambda x: 0
builtins.AssertionError = type("AssertionError", (Exception,), {})
fake = types.ModuleType("autograder")
fake.__path__ = []
sys.modules["autograder"] = fake
sys.modules["autograder.cases"] = types.SimpleNamespace(run_case=lambda *a: True)


def training_memory(*args, **kwargs):
    return {}
