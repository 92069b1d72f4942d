"""Revisions, oldest first: v1 (the schema of commit 852b918), v2 (assignment table)."""
