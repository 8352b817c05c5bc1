"""Grading code: checks (public and hidden), release building, bulk grading, benchmarks."""
