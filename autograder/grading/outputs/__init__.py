"""What a grading run writes into OUT besides the per-submission results."""
