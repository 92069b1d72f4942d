"""The categories workers fixed with #改派, read from the database as training examples.

The core owns the tables; the classifier is handed these examples and never opens the database.
"""

from __future__ import annotations

import logging
from pathlib import Path

from bot.classifier.corpus import CORRECTION_WEIGHT, Example
from bot.classifier.extract import is_urgent, normalize
from bot.labels import CATEGORIES, PROVIDERS

log = logging.getLogger(__name__)


def stored_corrections(database_url: str) -> list[Example]:
    """Corrections stored by #改派; none when there is no database or no table yet."""
    if database_url.startswith("sqlite:///") and database_url != "sqlite:///:memory:":
        if not Path(database_url[len("sqlite:///"):]).is_file():
            return []  # do not create the database just by looking
    from sqlalchemy import inspect
    from sqlmodel import Session, create_engine, select

    from models import Correction

    try:
        engine = create_engine(database_url)
        try:
            if not inspect(engine).has_table(Correction.__tablename__):
                return []
            with Session(engine) as session:
                rows = session.exec(select(Correction).order_by(Correction.id)).all()
                return [Example(r.text, r.category, r.provider if r.provider in PROVIDERS else None,
                                is_urgent(normalize(r.text)), CORRECTION_WEIGHT, "correction")
                        for r in rows if r.category in CATEGORIES and r.text]
        finally:
            engine.dispose()
    except Exception as exc:  # an unreachable database must not stop the bot from starting
        log.warning("corrections not read from %s: %s", database_url, type(exc).__name__)
        return []
