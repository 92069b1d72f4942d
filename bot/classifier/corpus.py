"""The labelled corpus: examples, the files that make it up, reading them, and their data hash."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from bot.classifier.hybrid import MODEL_VERSION
from bot.labels import CATEGORIES, PROVIDERS
from bot.paths import DATA

CORPUS = DATA / "corpus"
TRAIN_FILE = CORPUS / "train.jsonl"
DEV_FILE = CORPUS / "dev.jsonl"
DIALOGUE_TRAIN = DATA / "dialogue" / "train"
CORRECTION_WEIGHT = 3.0  # a worker's #改派 counts as three ordinary examples


class CorpusError(ValueError):
    """A corpus file is unreadable; the message says which file and line."""


@dataclass(frozen=True)
class Example:
    """One labelled message."""

    text: str
    category: str
    provider: str | None = None
    urgent: bool = False
    weight: float = 1.0
    source: str = ""  # the corpus file's stem, "correction" for stored corrections



# --- data ------------------------------------------------------------------------------------

def corpus_files(folder: Path | None = None) -> list[Path]:
    """The training corpus: every train*.jsonl (new files are picked up), then dev.jsonl.

    test.jsonl is never among them: it is read only by the quality benchmark.
    """
    folder = CORPUS if folder is None else folder
    files = sorted(folder.glob("train*.jsonl"))
    if (folder / "dev.jsonl").is_file():
        files.append(folder / "dev.jsonl")
    if folder == CORPUS:  # residents' messages of the labelled training days (never dev or test days)
        files += [p for p in sorted(DIALOGUE_TRAIN.glob("*.jsonl"))
                  if p.with_name(p.name[:-len(".jsonl")] + ".incidents.json").is_file()]
    return files


def read_corpus(files: Sequence[Path]) -> list[Example]:
    """All examples of the given files, in order."""
    return [e for path in files for e in read_jsonl(path)]


def read_jsonl(path: Path) -> list[Example]:
    """Labelled examples from a JSON Lines corpus file (blank lines skipped)."""
    out: list[Example] = []
    seen: set[str] = set()  # a labelled day's incidents already reported
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                if "sender_role" in obj:  # a labelled day: residents' messages carry the labels in `expect`
                    if obj["sender_role"] != "resident":
                        continue
                    incident = obj["expect"].get("incident")
                    if incident in seen:
                        continue  # a follow-up ("还木电", "得多长时间啊") is a request only in its context
                    if incident:
                        seen.add(incident)
                    obj = {"text": obj["text"], **obj["expect"]}
                text, category = obj["text"], obj["category"]
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise CorpusError(f"{path}:{number}: not a labelled example ({exc})") from None
            if category not in CATEGORIES or not isinstance(text, str):
                raise CorpusError(f"{path}:{number}: unknown category {category!r}")
            provider = obj.get("provider")
            out.append(Example(text, category, provider if provider in PROVIDERS else None, bool(obj.get("urgent")),
                               source=path.stem))
    return out



def data_hash(files: Sequence[Path], keywords_dir: Path, corrections: Sequence[Example]) -> str:
    """sha256 over the model version, the corpus files (names and bytes), keyword files and corrections."""
    h = hashlib.sha256(MODEL_VERSION.encode())
    for path in files:
        h.update(b"\0file\0" + path.name.encode() + b"\0")
        if path.is_file():
            h.update(path.read_bytes())
    for path in sorted(keywords_dir.glob("*.txt")):
        h.update(b"\0kw\0" + path.name.encode() + b"\0" + path.read_bytes())
    for c in corrections:
        h.update(b"\0corr\0" + json.dumps([c.text, c.category, c.provider], ensure_ascii=False).encode())
    return h.hexdigest()

