"""What a grading run writes for people, rebuilt from the stored results on every run.

gradebook    gradebook.csv (one row per submission)
exports      canvas.csv and gradescope.csv (the gradebook in the layouts TAs upload)
feedback     feedback/<student>.md and .html (for the student)
report       report.html (for the course staff) and its figures
leaderboard  leaderboard.csv (the benchmark's measured runs, best first)
written      written/<question>.html (written answers by question) and the manual sheet
similarity   similarity.csv (similar code across submissions, per question)
"""
