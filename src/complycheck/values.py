"""Turning text as people write it into typed values: dates, booleans, numbers, money (ID numbers: `idnumbers`).

Every parser takes one string (already NFKC-normalised and stripped) and returns a value or raises
ValueError with a short reason. Blank text is handled by the caller: blank is unknown, never false.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

TRUE_WORDS = {
    "是",
    "有",
    "√",
    "✓",
    "✔",
    "y",
    "yes",
    "true",
    "t",
    "1",
    "达标",
    "合格",
    "已注册",
    "已签收",
    "签收",
    "已发放",
    "对",
    "已完成",
    "完成",
}
FALSE_WORDS = {
    "否",
    "无",
    "×",
    "✗",
    "✘",
    "n",
    "no",
    "false",
    "f",
    "0",
    "不达标",
    "不合格",
    "未注册",
    "未签收",
    "未发放",
    "错",
    "未完成",
}

EXCEL_EPOCH = date(1899, 12, 30)
EXCEL_EPOCH_1904 = date(1904, 1, 1)
_CN_DIGITS = {
    "〇": "0",
    "零": "0",
    "一": "1",
    "二": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
}
HYPHEN_CHARS = "－—–‐‑‒―"  # unified to "-"
_HYPHENS = str.maketrans({c: "-" for c in HYPHEN_CHARS})


def normalize_text(raw: str) -> str:
    """NFKC (full-width digits, colons, ideographic spaces), unify hyphens, strip."""
    s = unicodedata.normalize("NFKC", raw).translate(_HYPHENS)
    return s.strip()


def _cn_year(s: str) -> str:
    return "".join(_CN_DIGITS.get(c, c) for c in s)


def parse_bool(s: str) -> bool:
    """是/否, 有/无, √/×, Y/N, 1/0, 达标/不达标, 合格/不合格, 已注册/未注册, 已签收 ..."""
    k = s.strip().lower()
    if k in TRUE_WORDS:
        return True
    if k in FALSE_WORDS:
        return False
    raise ValueError(f"不是可识别的是/否值：{s!r}")


_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*(?:Z|[+-]\d{2}:?\d{2}))?)?"
_DATE_PATTERNS = [
    # a time and a time-zone offset may follow: the date is the one written (the local calendar date), never shifted
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _TIME + "$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?(?:\s*\d{1,2}[:时].*)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
_SHORT_YEAR = re.compile(r"^(\d{2})[./-](\d{1,2})[./-](\d{1,2})$")
_MONTH_ONLY = [re.compile(r"^(\d{4})年(\d{1,2})月(?:份)?$"), re.compile(r"^(\d{4})[-/.](\d{1,2})$")]
_RANGE = re.compile(r"^(.+?)\s*(?:-|~|至|到)\s*(.+)$")


def excel_serial_to_date(serial: float, date1904: bool = False) -> date:
    """Excel serial day number to a date (1900 system: epoch 1899-12-30, serial 60 does not exist)."""
    n = int(serial)
    if date1904:
        return EXCEL_EPOCH_1904 + timedelta(days=n)
    if n == 60:
        raise ValueError("Excel 序列号 60 是不存在的 1900-02-29")
    if n < 60:
        n += 1  # serials 1..59 count from 1899-12-31
    return EXCEL_EPOCH + timedelta(days=n)


def parse_date(s: str, *, date1904: bool = False) -> date:
    """2022-10-31, 2022/10/31, 2022.10.31, 20221031, 2022年10月31日, 2022-10-31T23:30+08:00 (the date written),
    Excel serials (44865). Ambiguous text is refused, never guessed: a month without a day (2022年11月, 2022-11, a
    period of months), a two-digit year (22/10/05: 2022 or 1922, and which is the day?), Excel's phantom 1900-02-29
    (serial 60). A period of days (2022年10月1日—10月31日) is read as its last day; a year in Chinese digits
    (二〇二二年10月31日) is read."""
    t = _cn_year(s.strip())
    for pat in _DATE_PATTERNS:
        m = pat.match(t)
        if m:
            return _mk(int(m.group(1)), int(m.group(2)), int(m.group(3)), s)
    if _SHORT_YEAR.match(t):
        raise ValueError(f"两位数年份有歧义，请写四位年份：{s!r}")
    if re.fullmatch(r"\d{1,5}(?:\.0+)?", t) and 1 <= float(t) <= 80000:
        return excel_serial_to_date(float(t), date1904)
    if any(pat.match(t) for pat in _MONTH_ONLY):
        raise ValueError(f"只有年月，没有日，不是具体日期：{s!r}")
    m = _RANGE.match(t)
    if m and "年" in m.group(1):  # a period of days is read as its last day; a period of months is refused
        end = m.group(2)
        if "年" not in end:
            end = m.group(1).split("年")[0] + "年" + end
        try:
            return parse_date(end, date1904=date1904)
        except ValueError:
            raise ValueError(f"一段时间，终点不是具体日期：{s!r}") from None
    raise ValueError(f"无法识别的日期：{s!r}")


def _mk(y: int, m: int, d: int, raw: str) -> date:
    try:
        return date(y, m, d)
    except ValueError:
        raise ValueError(f"不存在的日期：{raw!r}") from None


_UNITS = re.compile(r"(?:元|人|张|个|户|次|项|㎡|m2)$")
# a plain decimal, with thousands grouped by commas in threes or not at all, or in E notation (as Excel shows it);
# never a decimal comma (1,5), European grouping (394.500,00), underscores (1_000) or other Python-only spellings
_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\d+(?:\.\d+)?[eE][+-]?\d{1,3}|[+-]?\.\d+")
MAX_NUMBER_DIGITS = 30


def parse_decimal(s: str) -> Decimal:
    """1,429,200.00 / 1429200元 / 77.23万元 / 85% (→ 0.85) / 约50 / 50余 → Decimal. Anything else that might be
    read two ways (1,5 / 394.500,00 / 1_000 / 1 5) is refused."""
    t = s.strip()
    scale = Decimal(1)
    t = re.sub(r"^(约|大约|近)", "", t)
    t = re.sub(r"(余|多)$", "", t)
    if t.endswith("万元") or t.endswith("万"):
        scale = Decimal(10000)
        t = t[:-2] if t.endswith("万元") else t[:-1]
    t = _UNITS.sub("", t.strip()).strip()
    pct = t.endswith("%")
    if pct:
        t = t[:-1].strip()
    if len(t) > MAX_NUMBER_DIGITS + 10:
        raise ValueError(f"数字过长（超过 {MAX_NUMBER_DIGITS} 位）：{s[:40]!r}")
    if not _NUMBER.fullmatch(t):
        if re.fullmatch(r"[+-]?[\d.,]+", t) and "," in t:
            raise ValueError(f"逗号的用法有歧义（小数逗号或非三位分组），请写成 1234.56：{s!r}")
        raise ValueError(f"不是数字：{s!r}")
    if sum(c.isdigit() for c in t) > MAX_NUMBER_DIGITS:
        raise ValueError(f"数字过长（超过 {MAX_NUMBER_DIGITS} 位）：{s[:40]!r}")
    try:
        v = Decimal(t.replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"不是数字：{s!r}") from None
    if not v.is_finite() or abs(v.adjusted()) > 100:
        raise ValueError(f"不是有限数字：{s!r}")
    if pct:
        v = v / 100
    return v * scale


def parse_int(s: str) -> int:
    """An integer count; '12.0' is fine, '12.5' is not."""
    v = parse_decimal(s)
    if v != v.to_integral_value():
        raise ValueError(f"不是整数：{s!r}")
    if abs(v) > 10**15:
        raise ValueError(f"数字过大：{s!r}")
    return int(v)


def parse_list(s: str) -> list[str]:
    """'党建、财务管理' / 'a,b;c' → ['党建', '财务管理'] ..."""
    return [p.strip() for p in re.split(r"[,，、;；|/\n]", s) if p.strip()]


def to_date(v: object) -> date:
    """A Python date from a date, a datetime or ISO text."""
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, str):
        return parse_date(normalize_text(v))
    raise ValueError(f"不是日期：{v!r}")


def show_value(v: object) -> str:
    """A parameter or constant as people read it: dates ISO, lists with 、, mappings as key→value."""
    if isinstance(v, datetime):
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + "、".join(show_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + "，".join(f"{k}→{show_value(x)}" for k, x in v.items()) + "}"
    return str(v)
