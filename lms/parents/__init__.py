"""Parents follow their children's homework, read-only (issue 14)."""
