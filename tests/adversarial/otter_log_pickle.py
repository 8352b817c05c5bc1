"""A grader.export() zip whose .OTTER_LOG is a pickle that writes a file when loaded:
`otter run` unpickles it on the grading machine."""
BASE = "student"
LOSES = "all"
STATUS = "graded"
ARCHIVE = True
