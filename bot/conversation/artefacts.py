"""A learned artefact kept under the model directory, made again when what it was made from changed."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, TypeVar

T = TypeVar("T")


def kept(path: Path, key: str, make: Callable[[], T]) -> T:
    """The object saved at `path` under `key`; made by `make` and saved (atomically) when the file is
    missing, unreadable or was made under another key (other data, other code)."""
    import joblib

    try:
        saved = joblib.load(path)
        if saved.get("key") == key:
            return saved["value"]
    except (OSError, ValueError, KeyError, EOFError, AttributeError, TypeError):
        pass
    value = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    joblib.dump({"key": key, "value": value}, tmp)
    tmp.replace(path)
    return value
