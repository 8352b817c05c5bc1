"""Hidden checks of the ``optimization`` assignment (only in the autograder, never shipped)."""
