"""Alembic migrations of gridbot's database (configured in code by bot.migrate; no alembic.ini)."""
