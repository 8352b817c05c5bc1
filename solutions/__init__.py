"""Reference solutions of the assignments (never shipped to students)."""
