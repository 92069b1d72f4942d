"""The classifier's CLI commands: classify, train and eval."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import IO, Callable, Iterable

from bot.corrections import stored_corrections
from bot.jsonlines import parse_line
from bot.settings import Settings


def register(sub: "argparse._SubParsersAction", runner: Callable) -> None:
    """Add this module's commands to the `gridbot` parser; `runner` wraps a handler."""
    p = sub.add_parser("classify", help="对 JSON Lines 消息（{\"text\", \"id\"}）逐行分类，文件或标准输入")
    p.add_argument("file", nargs="?", default="-", help="JSON Lines 文件，- 表示标准输入")
    p.set_defaults(handler=runner(cmd_classify))

    p = sub.add_parser("train", help="训练诉求识别模型（语料 + 综合网格员的改派纠正 + 同一事件模型）")
    p.add_argument("--if-stale", action="store_true", help="只在模型缺失或过期时训练")
    p.set_defaults(handler=runner(cmd_train))

    p = sub.add_parser("eval", help="在标注文件上评估：各类精确率/召回率/F1、误报和漏报")
    p.add_argument("file", help="带 text 和 category 的 JSON Lines（例如 data/corpus/test2.jsonl）")
    p.add_argument("--json", action="store_true", help="输出一个 JSON 对象而不是表格")
    p.set_defaults(handler=runner(cmd_eval))


def classify_lines(lines: Iterable[str | bytes], out: IO[str], classifier, source: str = "-",
                   err: IO[str] | None = None) -> int:
    """One output line per input line, same order; a line that cannot be used gets an error object
    (and one line on `err` naming source:line), and the run goes on. Returns 2 if any line was bad.

    Lines may be bytes (a file read in binary: a bad byte spoils its own line only, and a carriage
    return inside a line splits nothing). Output is strict JSON whatever the input held."""
    bad = 0
    for number, line in enumerate(lines, start=1):
        try:
            obj = parse_line(line)
            text = obj.get("text") if isinstance(obj, dict) else None
            if not isinstance(text, str):
                raise ValueError("no 'text' string")
            ident = obj.get("id")
            row = classifier.predict(_clean(text)).as_json(_clean_id(ident))
        except (ValueError, RecursionError) as exc:
            bad += 1
            reason = str(exc)[:120]
            row = {"id": None, "error": f"line {number}: {reason}"}
            if err is not None:
                err.write(f"{source}:{number}: {reason}\n")
        out.write(json.dumps(row, ensure_ascii=False, allow_nan=False) + "\n")
    return 2 if bad else 0


def _clean(text: str) -> str:
    """Lone surrogates (invalid Unicode that JSON escapes can carry) become U+FFFD."""
    return text if text.isascii() else text.encode("utf-8", "replace").decode("utf-8")


def _clean_id(value):
    """The id echoed back, as strict JSON: strings (also inside lists and objects) cleaned of lone surrogates."""
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, list):
        return [_clean_id(v) for v in value]
    if isinstance(value, dict):
        return {_clean(k): _clean_id(v) for k, v in value.items()}
    return value


def _fail(message: str) -> int:
    print(f"gridbot: {message}", file=sys.stderr)
    return 2


def cmd_classify(args: argparse.Namespace, settings: Settings) -> int:
    from bot.classifier import load_classifier

    classifier = load_classifier(settings, stored_corrections(settings.database_url))
    if args.file == "-":
        return classify_lines(sys.stdin.buffer, sys.stdout, classifier, "-", sys.stderr)
    try:
        fh = open(args.file, "rb")
    except OSError as exc:
        return _fail(f"classify: cannot read {args.file}: {exc.strerror}")
    with fh:
        return classify_lines(fh, sys.stdout, classifier, args.file, sys.stderr)


def cmd_train(args: argparse.Namespace, settings: Settings) -> int:
    from bot.classifier.training import CorpusError, is_stale, train

    corrections = stored_corrections(settings.database_url)
    if args.if_stale and not is_stale(settings, corrections):
        print(f"classifier model is up to date ({settings.model_dir})", file=sys.stderr)
    else:
        try:
            model = train(settings, corrections)
        except CorpusError as exc:
            return _fail(f"train: {exc}")
        m = model.meta
        print(f"trained {model.version} on {m['n_train']} messages ({m['n_corrections']} corrections) in "
              f"{m['seconds']} s -> {settings.model_dir}; data hash {model.data_hash[:12]}", file=sys.stderr)
    _train_matcher(settings)
    return 0


def _train_matcher(settings: Settings) -> None:
    """The same-incident matcher depends on the classifier: (re)trained with it when stale (about a minute;
    four more when the detector changed, for its held-out readings of the training days)."""
    from bot.classifier import load_classifier
    from bot.conversation.act_learning import load_acts
    from bot.conversation.learning import load_matcher

    meta = load_matcher(settings, load_classifier(settings, stored_corrections(settings.database_url))).meta
    acts = load_acts(settings)
    print(f"same-incident matcher: {meta.get('source')}, {meta.get('days', 0)} labelled days, "
          f"threshold {meta.get('threshold', '-')}, report gate {meta.get('report_gate', '-')}; workers' acts: "
          f"{'CV accuracy ' + str(acts.meta.get('cv_accuracy')) if acts else 'rules only'}", file=sys.stderr)


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.classifier import load_classifier
    from bot.classifier.metrics import evaluate, render
    from bot.classifier.corpus import CorpusError, read_jsonl
    from bot.labels import CATEGORIES

    try:
        examples = read_jsonl(Path(args.file))
    except OSError as exc:
        return _fail(f"eval: cannot read {args.file}: {exc.strerror}")
    except CorpusError as exc:
        return _fail(f"eval: {exc}")
    if not examples:
        return _fail(f"eval: {args.file} has no examples")
    preds = load_classifier(settings, stored_corrections(settings.database_url)).predict_many([e.text for e in examples])
    report = evaluate([e.category for e in examples], preds, CATEGORIES)
    print(json.dumps(report, ensure_ascii=False) if args.json else render(report))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (`python -m bot.model_cli`), for when bot.cli is not at hand."""
    from bot.settings import SettingsError, load_settings

    parser = argparse.ArgumentParser(prog="gridbot")
    sub = parser.add_subparsers(dest="command", required=True)

    def runner(fn: Callable) -> Callable:
        def run(args: argparse.Namespace) -> int:
            try:
                settings = load_settings(**({"database_url": args.db} if getattr(args, "db", None) else {}))
            except SettingsError as exc:
                return _fail(str(exc))
            return fn(args, settings)
        return run

    register(sub, runner)
    for p in sub.choices.values():
        p.add_argument("--db", help="数据库地址（SQLAlchemy URL）")
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
