"""Homework: assignments, quiz attempts, submissions, grading, tracking (issue 11)."""
