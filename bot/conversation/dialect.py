"""Dialect words that say what Mandarin says with other words, read as Mandarin (pure, no state).

Verdicts ("还系唔得" -> "还是不行", `bot.handlers.commands.plain`) and a household's own fault after a fix
("大家都有电 但系我间房仲系冇电", `incidents.is_partial_after_fix`) are read on the Mandarin form."""

from __future__ import annotations

import re

# Cantonese and Hakka 唔 (not), 冇 (not have), 还系 (still is); Cantonese 仲系 / 仲未 (still is / still not) and
# 但系 (but); the north-west's and the south-west's "还是么水", "还是莫得", "还木有" (still no water, still none)
_DIALECT = ((re.compile(r"唔(?=满意|得|行|好|系|掂|识|通|work)"), "不"), (re.compile(r"冇|冒(?=修|好|来|得|用)"), "没"),
            (re.compile(r"还系|仲(?:系|係|是)"), "还是"), (re.compile(r"仲未"), "还没"), (re.compile(r"但系"), "但是"),
            (re.compile(r"不得(?=$|啊|呀|哦|嘛)"), "不行"),
            (re.compile(r"(?<=还是)(?:么|莫|木)|(?<=还)(?:么|莫|木)(?=有|得)"), "没"))


def mandarin(words: str) -> str:
    """The words with these dialect forms said in Mandarin."""
    for pattern, said in _DIALECT:
        words = pattern.sub(said, words)
    return words
