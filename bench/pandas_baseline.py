"""(b) of bench/run.py: the checks of the big datasets' rules written by hand in pandas, as an analyst would.

    python bench/pandas_baseline.py SUBMISSION_DIR

Reads the same files complycheck reads (the manifest's big CSV files) and decides the same rules for them:
1-1.D1, 1-1.S1a, 1-1.S1b, 1-1.S1c, 1-1.S1d, 1-1.S1e, 1-1.S4b, C.5-roster, C.5-assessments. Prints one line per rule.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import yaml

W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def read(root: Path, manifest: dict, name: str) -> pd.DataFrame:
    f = root / manifest["datasets"][name]["file"]
    if f.suffix == ".csv":
        raw = f.read_bytes()
        enc = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "gb18030"
        try:
            raw.decode("utf-8")
            enc = "utf-8-sig"
        except UnicodeDecodeError:
            pass
        return pd.read_csv(f, dtype=str, keep_default_na=False, encoding=enc)
    return pd.read_excel(f, dtype=str, keep_default_na=False)


def parse_dates(s: pd.Series) -> pd.Series:
    s = s.str.strip()
    out = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
    for fmt in ("%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日"):
        out = out.fillna(pd.to_datetime(s, format=fmt, errors="coerce"))
    return out


def valid_id(s: pd.Series) -> pd.Series:
    s = s.str.strip().str.upper()
    shape = s.str.fullmatch(r"\d{17}[\dX]")
    total = sum(pd.to_numeric(s.str[i], errors="coerce").fillna(0).astype("int64") * w for i, w in enumerate(W))
    check = (total % 11).map(dict(enumerate("10X98765432")))
    born = pd.to_datetime(s.str[6:14], format="%Y%m%d", errors="coerce")
    return shape & (check == s.str[17]) & born.notna()


def age_at(s: pd.Series, at: pd.Timestamp) -> pd.Series:
    born = pd.to_datetime(s.str[6:14], format="%Y%m%d", errors="coerce")
    before = (at.month * 100 + at.day) < (born.dt.month * 100 + born.dt.day)
    return at.year - born.dt.year - before.astype(int)


def main(root: Path) -> None:
    manifest = yaml.safe_load((root / "manifest.yaml").read_text("utf-8"))
    roster = read(root, manifest, "elderly_roster")
    ass = read(root, manifest, "elderly_assessments")
    homes = read(root, manifest, "retrofit_households")
    checks = read(root, manifest, "retrofit_spot_checks")
    rechecks = read(root, manifest, "assessment_rechecks")
    start, deadline, ref = pd.Timestamp("2022-09-19"), pd.Timestamp("2022-10-31"), pd.Timestamp("2022-09-19")
    yes = {"是", "√", "已签收", "Y", "y", "1"}

    rid = roster["公民身份号码"].str.strip().str.upper()
    aid = ass["公民身份号码"].str.strip().str.upper()
    r_valid, a_valid = valid_id(rid), valid_id(aid)
    print("C.5-roster", "pass" if r_valid.all() else "fail", int(r_valid.sum()), len(rid))
    print("C.5-assessments", "pass" if a_valid.all() else "fail", int(a_valid.sum()), len(aid))

    adate = parse_dates(ass["评估日期"])
    d1 = ass[adate.notna() & (ass["评估原因"] != "复评")]
    ok = (adate[d1.index] <= deadline).sum()
    print("1-1.D1", "pass" if ok == len(d1) else "fail", int(ok), len(d1))

    ages = age_at(rid.where(r_valid), ref)
    pop = roster[(roster["保障状态（在保/停保）"] == "在保") & (ages >= 65) & roster["失能情况（失能/部分失能）"].isin(["失能", "部分失能"])]
    in_window = (adate >= start) & (adate <= deadline) & (ass["最终等级"].str.strip() != "")
    assessed = set(aid[in_window])
    ids = pop["公民身份号码"].str.strip().str.upper().drop_duplicates()
    num = ids.isin(assessed).sum()
    print("1-1.S1a", "pass" if num == len(ids) else "fail", int(num), len(ids))

    scope = set(rid[(roster["保障状态（在保/停保）"] == "在保") & (ages >= 65)])
    ent = aid.drop_duplicates()
    num = ent.isin(scope).sum()
    print("1-1.S1b", "pass" if num == len(ent) else "fail", int(num), len(ent))

    final = dict(zip(aid, ass["最终等级"]))
    rc = rechecks.drop_duplicates("公民身份号码")
    agree = (rc["复核等级"] == rc["公民身份号码"].map(final)).sum()
    print("1-1.S1c", "pass" if agree == len(rc) else "fail", int(agree), len(rc))

    has = ass[ass["最终等级"].str.strip() != ""]
    good = ((has["评估报告编号"] != "") & (has["报告日期"] != "") & (has["证明编号"] != "") & (has["证明发放日期"] != "") & has["是否签收"].isin(yes))
    per_person = good.groupby(has["公民身份号码"]).any()
    print("1-1.S1d", "pass" if per_person.all() else "fail", int(per_person.sum()), len(per_person))

    score = pd.to_numeric(ass["总分"], errors="coerce")
    levels = {"能力完好", "轻度失能", "中度失能", "重度失能"}
    s1e = (ass["评估员1"] != "") & (ass["评估员2"] != "") & (ass["评估员1"] != ass["评估员2"]) & ass["最终等级"].isin(levels) & score.between(0, 100)
    print("1-1.S1e", "pass" if s1e.all() else "fail", int(s1e.sum()), len(ass))

    cdate = pd.to_datetime(checks["抽检日期"], errors="coerce")
    valid = checks[checks["户编号"].isin(set(homes["户编号"])) & (cdate >= start) & (cdate <= pd.Timestamp("2022-11-30"))
                   & (checks["改造内容是否核查"] == "是") & (checks["上门服务是否核查"] == "是")]
    n = valid["户编号"].nunique()
    need = -(-homes["户编号"].nunique() * 20 // 100)
    print("1-1.S4b", "pass" if n >= need else "fail", n, need)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
