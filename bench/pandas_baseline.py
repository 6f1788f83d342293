"""(b) of bench/run.py: the big datasets' rules written by hand in pandas, as a competent analyst would.

    python bench/pandas_baseline.py SUBMISSION_DIR

Reads the files of the submission's manifest (the big CSV or XLSX tables, and the small re-check table) and decides
the pack's rules over the big datasets: C.5-roster, C.5-assessments, 1-1.D1, 1-1.D1-reports, 1-1.S1a, 1-1.S1b,
1-1.S1c, 1-1.S1c-sample, 1-1.S1d, 1-1.S1e, 1-1.D3-spotcheck and 1-1.S4b. Prints one JSON object to stdout:
{rule: {"numerator": n, "denominator": d}} for shares, {rule: {"value": v, "min": m}} for counts.

Written to be fast, not to be short: the pyarrow CSV reader, only the columns the rules read, every column parsed
once (dates, booleans and scores through their few distinct values: factorize, parse the uniques, take), the ID
numbers' check characters through one uint8 view of the Arrow string buffer and a matrix product with the
GB 11643 weights, integer keys for membership and distinct counts, no Python loop over rows.

The same semantics as the pack (and complycheck): text is stripped, a blank cell is missing; an ID number is upper
case, 17 digits and a check character, with an existing birth date (year >= 1880) and the right check character;
age is in full years from the birth date of a valid ID; a comparison with a missing value is unknown (neither
counted as meeting a rule nor as in a `where`); with `distinct`, an entity meets the rule when any of its rows does
and each blank key counts once. Not covered (the generator never writes them): 15-digit legacy IDs, full-width
characters (NFKC), Excel serial dates, dates with times, month-only dates, and the optional assessment_exclusions
dataset.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import yaml

W = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.float64)
CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
POW10 = 10.0 ** np.arange(16, -1, -1)
DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
ID_HEADERS = ["公民身份号码", "身份证号", "身份证号码", "公民身份证号"]
TRUE_WORDS = ["是", "有", "√", "✓", "✔", "y", "yes", "true", "t", "1", "达标", "合格", "已注册", "已签收", "签收", "已发放", "对", "已完成", "完成"]
MZT = ["能力完好", "轻度失能", "中度失能", "重度失能"]
GBT = MZT + ["完全失能"]
DATE_RE = (r"^(?:(?P<y1>\d{4})[-/.](?P<m1>\d{1,2})[-/.](?P<d1>\d{1,2})"
           r"|(?P<y2>\d{4})年(?P<m2>\d{1,2})月(?P<d2>\d{1,2})[日号]?"
           r"|(?P<y3>\d{4})(?P<m3>\d{2})(?P<d3>\d{2}))$")
START, DEADLINE, END = np.datetime64("2022-09-19"), np.datetime64("2022-10-31"), np.datetime64("2022-11-30")
REF = (2022, 9, 19)  # roster_reference_date


def read(root: Path, manifest: dict, name: str, columns: list[str | list[str]]) -> pd.DataFrame:
    """The named columns of a dataset as text (a list: the first of these headers present), renamed to the first."""
    f = root / manifest["datasets"][name]["file"]
    if f.suffix == ".csv":
        head = f.open("rb").read(1 << 20)
        enc = "utf-8"
        if not head.startswith(b"\xef\xbb\xbf"):
            try:
                head[: head.rfind(b"\n")].decode("utf-8")
            except UnicodeDecodeError:
                enc = "gb18030"
        header = pd.read_csv(f, nrows=0, encoding=enc).columns
    else:
        header = pd.read_excel(f, nrows=0, engine="calamine").columns
    names = {}
    for c in columns:
        found = next((h for h in ([c] if isinstance(c, str) else c) if h in header), None)
        if found is not None:
            names[found] = c if isinstance(c, str) else c[0]
    if f.suffix == ".csv":
        df = pd.read_csv(f, engine="pyarrow", encoding=enc, usecols=list(names), dtype=str)
    else:
        df = pd.read_excel(f, engine="calamine", usecols=list(names), dtype=str)
    return df.rename(columns=names)


def text(s: pd.Series) -> pd.Series:
    """Stripped text, blank as missing."""
    s = s.str.strip()
    return s.mask(s == "")


def by_unique(s: pd.Series, parse, missing) -> np.ndarray:
    """Parse a column through its distinct values (a date column of a million rows has a few dozen)."""
    codes, uniques = pd.factorize(s)
    parsed = parse(pd.Series(uniques, dtype=str)) if len(uniques) else np.array([missing])
    out = parsed[np.maximum(codes, 0)]
    out[codes < 0] = missing
    return out


def _dates(u: pd.Series) -> np.ndarray:
    p = u.str.strip().str.extract(DATE_RE)
    ymd = {k: pd.to_numeric(p[f"{k[0]}1"].fillna(p[f"{k[0]}2"]).fillna(p[f"{k[0]}3"])) for k in ("year", "month", "day")}
    return pd.to_datetime(pd.DataFrame(ymd), errors="coerce").to_numpy("datetime64[D]")


def dates(s: pd.Series) -> np.ndarray:
    """datetime64[D] (NaT when blank or not a date) of 2022-10-31, 2022/10/31, 2022.10.31, 2022年10月31日, 20221031."""
    return by_unique(s, _dates, np.datetime64("NaT"))


def truth(s: pd.Series) -> np.ndarray:
    """True where the cell is a yes word (是, √, 已签收, ...)."""
    return by_unique(s, lambda u: u.str.strip().str.lower().isin(TRUE_WORDS).to_numpy(bool), False)


def integers(s: pd.Series) -> np.ndarray:
    """float64: the integer value, NaN when blank or not an integer."""
    def parse(u: pd.Series) -> np.ndarray:
        v = pd.to_numeric(u.str.strip().str.replace(",", "", regex=False), errors="coerce").to_numpy(float)
        return np.where(v == np.round(v), v, np.nan)
    return by_unique(s, parse, np.nan)


class Ids:
    """An ID column: normalised text, well-formed mask, validity, integer key, birth date parts."""

    def __init__(self, s: pd.Series) -> None:
        s = s.str.strip().str.upper()
        n = len(s)
        self.blank = (s.isna() | (s == "")).to_numpy(bool)
        self.text = s
        self.well = s.str.fullmatch(r"\d{17}[\dX]").fillna(False).to_numpy(bool)
        arr = pa.array(s.where(self.well, "0" * 18))
        arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        _, offsets, data = arr.buffers()
        width = 8 if arr.type == pa.large_string() else 4
        start = int(np.frombuffer(offsets, dtype=np.int64 if width == 8 else np.int32, count=1, offset=arr.offset * width)[0])
        b = np.frombuffer(data, dtype=np.uint8, count=18 * n, offset=start).reshape(n, 18)  # one view, no copy
        digits = b[:, :17] - np.float64(48)  # float64: the matrix products run in BLAS and stay exact (< 2^53)
        ok_check = CHECK[(digits @ W).astype(np.int64) % 11] == b[:, 17]
        self.y = (digits[:, 6:10] @ [1000, 100, 10, 1]).astype(np.int64)
        self.m = (digits[:, 10:12] @ [10, 1]).astype(np.int64)
        self.d = (digits[:, 12:14] @ [10, 1]).astype(np.int64)
        leap = (self.y % 4 == 0) & ((self.y % 100 != 0) | (self.y % 400 == 0))
        mm = np.clip(self.m, 0, 12)
        dim = DAYS[mm] + ((mm == 2) & leap)
        born_ok = (self.m >= 1) & (self.m <= 12) & (self.d >= 1) & (self.d <= dim) & (self.y >= 1880)
        self.valid = self.well & ok_check & born_ok
        # integer key: the 17 digits times 11 plus the check character (X = 10), equal keys for equal IDs
        first17 = (digits[:, :9] @ POW10[8:]).astype(np.int64) * 10**8 + (digits[:, 9:] @ POW10[9:]).astype(np.int64)
        last = np.where(b[:, 17] == ord("X"), 10, b[:, 17].astype(np.int64) - 48)
        self.key = np.where(self.well, first17 * 11 + last, -1)  # malformed IDs get keys in join_keys

    def age(self, at: tuple[int, int, int]) -> np.ndarray:
        """Full years at `at` (float, NaN for an invalid ID)."""
        a = at[0] - self.y - ((at[1] * 100 + at[2]) < (self.m * 100 + self.d))
        return np.where(self.valid, a, np.nan)


def join_keys(*cols: Ids) -> None:
    """Give every non-blank malformed ID a negative key, equal texts equal keys across the columns; blank: None key."""
    bad = [c.text[~c.well & ~c.blank] for c in cols]
    codes, _ = pd.factorize(pd.concat(bad, ignore_index=True))
    i = 0
    for c, t in zip(cols, bad):
        c.key = c.key.copy()
        c.key[~c.well & ~c.blank] = -2 - codes[i:i + len(t)]
        i += len(t)


def member(keys: np.ndarray, blank: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """keys in pool (hash-based); a blank key is unknown, so False."""
    return (pd.Index(pool).unique().get_indexer(keys) >= 0) & ~blank


def share_rows(ok: np.ndarray, where: np.ndarray | None = None) -> dict:
    if where is not None:
        ok = ok[where]
    return {"numerator": int(ok.sum()), "denominator": int(len(ok))}


def share_distinct(key: np.ndarray, blank: np.ndarray, ok: np.ndarray, where: np.ndarray) -> dict:
    """distinct: an entity meets the rule if any of its rows does; each blank key counts once."""
    k, b, o = key[where], blank[where], ok[where]
    den = len(pd.unique(k[~b])) + int(b.sum())
    num = len(pd.unique(k[~b & o])) + int((b & o).sum())
    return {"numerator": num, "denominator": den}


def ceil_share(percent: int, n: int) -> int:
    return -(-percent * n // 100)


def main(root: Path) -> None:
    manifest = yaml.safe_load((root / "manifest.yaml").read_text("utf-8"))
    roster = read(root, manifest, "elderly_roster", [ID_HEADERS, "保障状态（在保/停保）", "失能情况（失能/部分失能）"])
    ass = read(root, manifest, "elderly_assessments", [ID_HEADERS, "评估日期", "评估员1", "评估员2", "评估标准", "总分", "最终等级", "评估原因",
                                                         "评估报告编号", "报告日期", "证明编号", "证明发放日期", "是否签收"])
    rechecks = read(root, manifest, "assessment_rechecks", [ID_HEADERS, "复核等级"])
    homes = read(root, manifest, "retrofit_households", ["户编号"])
    checks = read(root, manifest, "retrofit_spot_checks", ["户编号", "抽检日期", "改造内容是否核查", "改造核查结论", "上门服务是否核查", "上门服务核查结论"])
    out: dict[str, dict] = {}

    rid, aid, cid = Ids(roster["公民身份号码"]), Ids(ass["公民身份号码"]), Ids(rechecks["公民身份号码"])
    join_keys(rid, aid, cid)
    out["C.5-roster"] = share_rows(rid.valid)
    out["C.5-assessments"] = share_rows(aid.valid)

    adate, rdate, cdate = dates(ass["评估日期"]), dates(ass["报告日期"]), dates(ass["证明发放日期"])
    reason, final = text(ass["评估原因"]), text(ass["最终等级"])
    has_final = final.notna().to_numpy(bool)
    d1_where = ~np.isnat(adate) & reason.notna().to_numpy(bool) & (reason != "复评").to_numpy(bool)
    out["1-1.D1"] = share_rows(adate <= DEADLINE, d1_where)

    either = ~np.isnat(rdate) | ~np.isnat(cdate)
    first = np.where(np.isnat(rdate), cdate, rdate)
    out["1-1.D1-reports"] = share_rows((first <= DEADLINE) & (np.isnat(cdate) | (cdate <= DEADLINE)), either)

    status = text(roster["保障状态（在保/停保）"])
    in_scope = (status == "在保").to_numpy(bool) & (rid.age(REF) >= 65)
    disabled = text(roster["失能情况（失能/部分失能）"]).isin(["失能", "部分失能"]).to_numpy(bool)
    assessed = has_final & (adate >= START) & (adate <= DEADLINE)
    s1a_where = in_scope & disabled
    out["1-1.S1a"] = share_distinct(rid.key, rid.blank, member(rid.key, rid.blank, aid.key[assessed & ~aid.blank]), s1a_where)
    out["1-1.S1b"] = share_distinct(aid.key, aid.blank, member(aid.key, aid.blank, rid.key[in_scope & ~rid.blank]), np.ones(len(ass), bool))

    # lookup: the final level of the last assessment row of each ID (as complycheck's lookup())
    last_row = ~pd.Series(aid.key).duplicated(keep="last").to_numpy() & ~aid.blank
    pos = pd.Index(aid.key[last_row]).get_indexer(cid.key)
    looked = final.to_numpy(object)[last_row][np.maximum(pos, 0)]
    level = text(rechecks["复核等级"]).to_numpy(object)
    agree = (pos >= 0) & ~cid.blank & pd.notna(level) & pd.notna(looked) & (level == looked)
    out["1-1.S1c"] = share_distinct(cid.key, cid.blank, agree, np.ones(len(rechecks), bool))
    assessed_people = len(pd.unique(aid.key[~aid.blank]))
    out["1-1.S1c-sample"] = {"value": len(pd.unique(cid.key[~cid.blank])), "min": max(30, ceil_share(5, assessed_people))}

    present = lambda c: text(ass[c]).notna().to_numpy(bool)  # noqa: E731
    s1d = present("评估报告编号") & ~np.isnat(rdate) & present("证明编号") & ~np.isnat(cdate) & truth(ass["是否签收"])
    out["1-1.S1d"] = share_distinct(aid.key, aid.blank, s1d, has_final)

    a1, a2 = text(ass["评估员1"]), text(ass["评估员2"])
    score = integers(ass["总分"])
    mzt = text(ass["评估标准"]).fillna("MZ/T 039-2013").to_numpy(object) == "MZ/T 039-2013"
    levels_ok = np.where(mzt, final.isin(MZT).to_numpy(bool) & (score >= 0) & (score <= 100),
                         final.isin(GBT).to_numpy(bool) & (score >= 0) & (score <= 90))
    s1e = a1.notna().to_numpy(bool) & a2.notna().to_numpy(bool) & (a1 != a2).to_numpy(bool) & levels_ok
    out["1-1.S1e"] = share_rows(s1e)

    hdate = dates(checks["抽检日期"])
    out["1-1.D3-spotcheck"] = share_rows(hdate <= END)
    # household numbers: one factorize over both tables, then membership and distinct counts on the integer codes
    codes, _ = pd.factorize(pd.concat([text(homes["户编号"]), text(checks["户编号"])], ignore_index=True))
    home_codes, hh = codes[:len(homes)], codes[len(homes):]
    seen = np.zeros(codes.max() + 2, bool)
    seen[home_codes[home_codes >= 0]] = True
    in_homes = (hh >= 0) & seen[hh]
    s4b = (in_homes & (hdate >= START) & (hdate <= END) & truth(checks["改造内容是否核查"]) & text(checks["改造核查结论"]).notna().to_numpy(bool)
           & truth(checks["上门服务是否核查"]) & text(checks["上门服务核查结论"]).notna().to_numpy(bool))
    out["1-1.S4b"] = {"value": len(pd.unique(hh[s4b])), "min": ceil_share(20, len(pd.unique(home_codes[home_codes >= 0])))}
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
