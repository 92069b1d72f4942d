"""Paths inside the project checkout (the package is installed editable from it)."""

from __future__ import annotations

from pathlib import Path

ROOT: Path = Path(__file__).resolve().parent.parent
DATA: Path = ROOT / "data"
VAR: Path = ROOT / "var"
KEYWORDS: Path = DATA / "keywords"
