"""Fixtures: settings and an App on a temporary database for every test; one classifier per run."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import App
from bot.classifier import load_classifier
from bot.paths import DATA
from bot.roster import read_roster
from bot.settings import Settings, load_settings
from tests.harness import Chat

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


def make_settings(tmp_path: Path, **overrides) -> Settings:
    """Defaults only (no .env, no environment), on a temporary SQLite file."""
    overrides.setdefault("database_url", f"sqlite:///{tmp_path / 'gridbot.db'}")
    return load_settings(tmp_path / "absent.env", environ={}, **overrides)


@pytest.fixture(scope="session")
def classifier():
    return load_classifier(load_settings(Path("/nonexistent.env"), environ={}))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def app(settings: Settings, classifier) -> App:
    application = App.create(settings, classifier=classifier, roster=read_roster(DATA / "roster.sample.csv"))
    yield application
    application.close()


@pytest.fixture
def chat(app: App) -> Chat:
    return Chat(app)


@pytest.fixture(scope="session")
def gateway_installed() -> None:
    """The Wechaty gateway's node packages installed (skips when node or the npm registry is missing)."""
    from tests.wechaty_harness import install_gateway, node_missing_reason

    reason = node_missing_reason()
    if reason:
        pytest.skip(f"Wechaty gateway needs node: {reason}")
    failure = install_gateway()
    if failure:
        pytest.skip(failure)


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL server for the session (skips when it cannot be installed here)."""
    from tests import pg

    reason = pg.unavailable_reason()
    if reason:
        pytest.skip(reason)
    server = pg.start()
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server, request) -> str:
    from tests import pg

    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:50]
    return pg.fresh_database(pg_server, name)
