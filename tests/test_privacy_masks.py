"""Personal numbers are masked in every written form; everyday numbers stay; log lines stay one line."""

from __future__ import annotations

import re
import time

import pytest

from bot.privacy import log_safe, mask, preview


@pytest.mark.parametrize("text, expected", [
    # mobile numbers, however written
    ("我电话13812345678", "我电话138****5678"),
    ("电话 138 1234 5678", "电话 138****5678"),
    ("电话138-1234-5678", "电话138****5678"),
    ("电话138.1234.5678", "电话138****5678"),
    ("电话1381234 5678", "电话138****5678"),
    ("电话1 3 8 1 2 3 4 5 6 7 8", "电话138****5678"),
    ("联系+86 138 1234 5678", "联系+86 138****5678"),
    ("联系+8613812345678", "联系+86138****5678"),
    ("联系 +86-138-1234-5678", "联系 +86-138****5678"),
    ("联系008613812345678", "联系0086138****5678"),
    ("联系0086 138 1234 5678", "联系0086 138****5678"),
    ("联系(+86)13812345678", "联系(+86)138****5678"),
    ("拨013812345678", "拨0138****5678"),
    ("手机１３８１２３４５６７８", "手机138****5678"),
    ("手机＋８６ １３８ １２３４ ５６７８", "手机+86 138****5678"),
    ("手机138\u3000１２３４\u3000５６７８", "手机138****5678"),
    ("电话13812345678 3栋501", "电话138****5678 3栋501"),
    ("住1502 138 1234 5678", "住1502 138****5678"),
    ("13812345678，13912345678", "138****5678，139****5678"),
    # ID cards: 18 digits (any spacing, X), 15 digits (old format)
    ("身份证110101199003071234", "身份证110101********1234"),
    ("身份证43010219900307123X", "身份证430102********123X"),
    ("身份证 430102 19900307 123X", "身份证 430102********123X"),
    ("身份证4301 0219 9003 0712 3x", "身份证430102********123x"),
    ("身份证430102-19900307-1234", "身份证430102********1234"),
    ("身份证４３０１０２１９９００３０７１２３Ｘ", "身份证430102********123X"),
    ("老身份证430102900307123", "老身份证430102******123"),
    ("老身份证430102 900307 123", "老身份证430102******123"),
    # bank cards: only the last four digits stay
    ("卡号6222021234567890", "卡号************7890"),
    ("卡号6222021234567890123", "卡号***************0123"),
    ("卡号6222 0212 3456 7890", "卡号************7890"),
    ("卡号6222-0212-3456-7890", "卡号************7890"),
    ("卡号6228 4800 1234 5678 912", "卡号***************8912"),
    ("卡号６２２２ ０２１２ ３４５６ ７８９０", "卡号************7890"),
    ("我住1502 6222 0212 3456 7890", "我住1502 ************7890"),
    # landlines with an area code
    ("座机0571-88123456", "座机0571-****3456"),
    ("座机0571 8812 3456", "座机0571 ****3456"),
    ("座机(0571)88123456", "座机(0571)****3456"),
    ("座机010-12345678", "座机010-****5678"),
    ("座机+86 571 8812 3456", "座机+86 571 ****3456"),
    # several kinds in one message
    ("电话138 1234 5678，身份证430102199003071234。", "电话138****5678，身份证430102********1234。"),
])
def test_personal_numbers_are_masked(text: str, expected: str) -> None:
    assert mask(text) == expected


@pytest.mark.parametrize("text", [
    "3栋2单元501",
    "3号楼1单元1502室停水了",
    "13-1-1502",
    "2026-11-20",
    "2026年11月20日",
    "2026/11/20 08:30",
    "08:30-17:30",
    "两千块",
    "300元",
    "交了1500",
    "价格13.5元 14.2元",
    "#12",
    "#办结 12",
    "工单12 12号工单",
    "10086",
    "12345",
    "119",
    "96288",
    "95588 12315 110 120",
    "400-820-8820",
    "2026年",
    "2019 2020 2021 2022",
    "3网格 5单元 12栋",
    "邮编410000",
    "2026-11-20 2026-11-21",
])
def test_everyday_numbers_stay(text: str) -> None:
    assert mask(text) == text


def test_no_digits_of_a_masked_number_survive_besides_its_kept_ends() -> None:
    said = mask("我13812345678 身份证430102199003071234 卡6222021234567890")
    assert re.findall(r"\d+", said) == ["138", "5678", "430102", "1234", "7890"]


def test_masking_a_very_long_text_is_quick() -> None:
    started = time.monotonic()
    for text in ("1 " * 50_000, "1-" * 50_000, "6222 " * 20_000, "１ " * 20_000):
        mask(text)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("name, expected", [
    ("王大妈", "王大妈"),
    ("张三\n2026-11-20 INFO 管理员: 已办结", "张三 2026-11-20 INFO 管理员: 已办结"),  # a forged log line
    ("李四\r\n", "李四"),
    ("赵\x00六", "赵 六"),
    ("钱\x1b[31m七", "钱 [31m七"),
    ("孙\u2028八\u2029", "孙 八"),
    ("周\u202e九", "周 九"),  # right-to-left override
    ("吴\ud800", "吴\ufffd"),  # lone surrogate
    ("郑13812345678", "郑138****5678"),
    ("138\n1234\n5678", "138****5678"),  # a number split over lines is still masked
    ("  多   空格\t", "多 空格"),
])
def test_log_safe(name: str, expected: str) -> None:
    safe = log_safe(name)
    assert safe == expected
    assert safe.encode("utf-8")  # no UnicodeEncodeError
    assert not re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", safe)


def test_preview_is_one_short_masked_encodable_line() -> None:
    text = "我家停水了\n2026-11-20 INFO fake 电话13812345678\ud800" + "很急" * 50
    flat = preview(text, limit=60)
    assert "\n" not in flat and "13812345678" not in flat and "138****5678" in flat
    assert flat.endswith("…") and len(flat) == 61
    assert flat.encode("utf-8")
    expected = "我家停水了，电话138****5678，很急很急…"
    assert preview("我家停水了，电话13812345678，" + "很急" * 50) == expected


def test_preview_masks_before_cutting() -> None:
    assert preview("x" * 20 + "13812345678") == "x" * 20 + "138*…"


def test_a_preview_of_a_long_message_never_shows_part_of_a_number() -> None:
    from bot.privacy import preview

    for pad in range(60, 100):
        shown = preview(" " * pad + "13800138000 我家停水了" + "啊" * 200)
        assert not any(ch.isdigit() for ch in shown.replace("****", "")) or "138****8000" in shown, (pad, shown)
    assert preview("我家停水了 电话13800138000 谢谢") == "我家停水了 电话138****8000 谢谢"
