"""The classifier's CLI commands: classify (and, with the trained model, train and eval)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import IO, Callable

from bot.settings import Settings


def register(sub: "argparse._SubParsersAction", runner: Callable) -> None:
    """Add this module's commands to the `gridbot` parser; `runner` wraps a handler."""
    p = sub.add_parser("classify", help="classify JSON Lines messages ({'text', 'id'}) from FILE or stdin")
    p.add_argument("file", nargs="?", default="-", help="JSON Lines input, '-' for stdin")
    p.set_defaults(handler=runner(cmd_classify))


def classify_lines(lines: IO[str], out: IO[str], classifier) -> int:
    """One output line per input line, same order; bad lines get an error object."""
    for number, line in enumerate(lines, start=1):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            out.write(json.dumps({"id": None, "error": f"line {number}: not valid JSON ({exc.msg})"}, ensure_ascii=False) + "\n")
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            out.write(json.dumps({"id": obj.get("id") if isinstance(obj, dict) else None,
                                  "error": f"line {number}: no 'text' string"}, ensure_ascii=False) + "\n")
            continue
        out.write(json.dumps(classifier.predict(obj["text"]).as_json(obj.get("id")), ensure_ascii=False) + "\n")
    return 0


def cmd_classify(args: argparse.Namespace, settings: Settings) -> int:
    from bot.classifier import load_classifier

    classifier = load_classifier(settings)
    if args.file == "-":
        return classify_lines(sys.stdin, sys.stdout, classifier)
    with open(args.file, encoding="utf-8") as fh:
        return classify_lines(fh, sys.stdout, classifier)
