"""Generate a large submission for the bundled pack: the bundled sample, with its big datasets scaled to N rows.

    python bench/generate.py --rows 1000000 --out /tmp/cc-1e6 [--xlsx] [--gbk]

Scaled: elderly_roster (N rows), elderly_assessments (about N rows: one per assessed person, plus a 复评 row for one
person in 211), retrofit_households (N) and retrofit_spot_checks (N/5 + a few). Every column the pack declares for
these datasets is written, as suppliers fill the forms: the assessments carry the MZ/T 039-2013 score columns
(一级指标得分, 总分, 初步等级, 等级变更依据, 最终等级) with levels consistent with the scores. Realistic values (valid
ID numbers with old 1523xx codes, a few mistyped check characters in the assessments, Chinese names, 是/√/已签收,
dates spelled 2022年10月31日, 2022-10-31, 2022/10/31 and 20221031), a few blanks, and deliberately missing
assessments, so the verdicts are not trivial. Deterministic: fixed seeds, the same files on every run (for one
polars version). Everything else
is copied from evidence/. Nothing here is committed: the data is generated on demand.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import polars as pl
import yaml

ROOT = Path(__file__).resolve().parent.parent
CODES = ["150502", "150521", "150522", "150523", "150524", "150525", "150526", "150581", "152301", "152322", "152326"]
DISTRICTS = ["科尔沁区", "科尔沁左翼中旗", "科尔沁左翼后旗", "开鲁县", "库伦旗", "奈曼旗", "扎鲁特旗", "霍林郭勒市", "科尔沁区", "科尔沁左翼中旗", "奈曼旗"]
SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文")
GIVEN = list("淑兰秀英桂芝玉珍凤霞春梅海燕建国志强德明文华丽娟金山宝林福生永庆荣素芬振")
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def ids(n: int, seed: int, born_from: str = "1925-01-01", born_to: str = "1957-09-19") -> pl.DataFrame:
    """n distinct valid resident ID numbers with district and birth date, built column-wise."""
    g = pl.DataFrame({"i": pl.int_range(0, n, eager=True)})
    lo, hi = pl.Series([born_from, born_to]).str.to_date().cast(pl.Int32).to_list()
    df = g.with_columns(
        code_idx=(pl.col("i").hash(seed) % len(CODES)).cast(pl.Int32),
        born=((pl.col("i").hash(seed + 1) % (hi - lo)) + lo).cast(pl.Int32).cast(pl.Date),
        seq=(pl.col("i") % 999 + 1),
    )
    df = df.with_columns(code=pl.col("code_idx").replace_strict(list(range(len(CODES))), CODES, return_dtype=pl.String),
                         district=pl.col("code_idx").replace_strict(list(range(len(CODES))), DISTRICTS, return_dtype=pl.String))
    # make (born, seq) unique per row: spread the row number over birth date and sequence
    df = df.with_columns(born=(pl.col("born").cast(pl.Int32) + (pl.col("i") // 999) % 7).cast(pl.Date))
    s17 = pl.col("code") + pl.col("born").dt.strftime("%Y%m%d") + pl.col("seq").cast(pl.String).str.zfill(3)
    df = df.with_columns(s17=s17)
    total = sum(pl.col("s17").str.slice(k, 1).cast(pl.Int64) * w for k, w in enumerate(WEIGHTS))
    df = df.with_columns(check=(total % 11).replace_strict(list(range(11)), list("10X98765432"), return_dtype=pl.String))
    df = df.with_columns(id=pl.col("s17") + pl.col("check")).unique(subset="id", keep="first", maintain_order=True)
    return df.select("i", "id", "district", "born")


def names(col: pl.Expr, seed: int) -> pl.Expr:
    s = pl.lit(pl.Series(SURNAMES)).get((col.hash(seed) % len(SURNAMES)).cast(pl.Int64))
    a = pl.lit(pl.Series(GIVEN)).get((col.hash(seed + 1) % len(GIVEN)).cast(pl.Int64))
    b = pl.lit(pl.Series(GIVEN)).get((col.hash(seed + 2) % len(GIVEN)).cast(pl.Int64))
    return s + a + b


def cn_date(col: pl.Expr) -> pl.Expr:
    return col.dt.year().cast(pl.String) + "年" + col.dt.month().cast(pl.String) + "月" + col.dt.day().cast(pl.String) + "日"


LEVELS = ["能力完好", "轻度失能", "中度失能", "重度失能"]
MODIFIERS = ["认知障碍", "近30天内跌倒2次", "认知障碍、精神疾病", "近30天内走失1次、噎食1次"]


def scores(col: pl.Expr, again: pl.Expr) -> list[pl.Expr]:
    """The MZ/T 039-2013 score columns in the order of the form: 一级指标得分, 总分, 初步等级, 等级变更依据, 最终等级.

    日常生活活动 (ADL) is scored 0-100 in steps of 5 and is the 总分; 精神状态, 感知觉与沟通 and 社会参与 are graded 0-3.
    The preliminary level follows the ADL grade (100 → 0, 65-95 → 1, 45-60 → 2, ≤ 40 → 3), raised when another
    dimension is two grades worse; about one record in seven names a modifier (认知障碍, falls, ...) that raises the
    final level by one (重度失能 stays). A re-assessment (again) finds the level one grade worse."""
    adl = (col.hash(5) % 21 * 5).cast(pl.Int64)
    grade = pl.when(adl == 100).then(0).when(adl >= 65).then(1).when(adl >= 45).then(2).otherwise(3)
    dims = [pl.min_horizontal(grade + (col.hash(40 + k) % 3).cast(pl.Int64) - 1, pl.lit(3)).clip(0, 3).cast(pl.Int64) for k in range(3)]
    prelim = pl.max_horizontal(grade, pl.max_horizontal(*dims) - 1).clip(0, 3)
    m = (col.hash(8) % 28).cast(pl.Int64)
    modifier = pl.when(m < len(MODIFIERS)).then(pl.lit(pl.Series(MODIFIERS)).get(m.clip(0, len(MODIFIERS) - 1)))
    final = pl.when(modifier.is_not_null() | again).then(pl.min_horizontal(prelim + 1, pl.lit(3))).otherwise(prelim)
    lv = pl.lit(pl.Series(LEVELS))
    text = (pl.lit("日常生活活动:") + adl.cast(pl.String) + ";精神状态:" + dims[0].cast(pl.String)
            + ";感知觉与沟通:" + dims[1].cast(pl.String) + ";社会参与:" + dims[2].cast(pl.String))
    return [text.alias("一级指标得分"), adl.alias("总分"), lv.get(prelim.cast(pl.Int64)).alias("初步等级"),
            modifier.alias("等级变更依据"), lv.get(final.cast(pl.Int64)).alias("最终等级")]


def build(n: int) -> dict[str, pl.DataFrame]:
    people = ids(n, 7)
    roster = people.select(
        pl.col("id").alias("公民身份号码"), names(pl.col("i"), 11).alias("姓名"), pl.col("district").alias("旗县市区"),
        pl.when(pl.col("i") % 3 == 0).then(pl.lit("城市")).otherwise(pl.lit("农村")).alias("低保类别（城市/农村）"),
        pl.when(pl.col("i") % 97 == 0).then(pl.lit("停保")).otherwise(pl.lit("在保")).alias("保障状态（在保/停保）"),
        pl.when(pl.col("i") % 2 == 0).then(pl.lit("失能")).otherwise(pl.lit("部分失能")).alias("失能情况（失能/部分失能）"),
        pl.lit("2022-09-15").alias("名册日期"))
    assessed = people.filter((pl.col("i") % 97 != 0) & (pl.col("i") % 1009 != 5))  # some in-scope people never assessed
    # a few IDs mistyped in the supplier's table: a wrong check character (still 17 digits + a check character)
    shifted = dict(zip("10X98765432", "0X98765432" + "1"))
    assessed = assessed.with_columns(id=pl.when(pl.col("i") % 10007 == 3)
                                     .then(pl.col("id").str.slice(0, 17) + pl.col("id").str.slice(17).replace_strict(shifted))
                                     .otherwise(pl.col("id")))
    day = (pl.date(2022, 9, 26).cast(pl.Int32) + pl.col("i").hash(3) % 33).cast(pl.Date)
    # a re-assessment (复评) row for about one person in 211, dated from 20 October into November
    again = assessed.filter(pl.col("i") % 211 == 7).with_columns(reason=pl.lit("复评"), no=pl.lit("PF"),
                                                                  day=(pl.date(2022, 10, 20).cast(pl.Int32) + pl.col("i").hash(4) % 20).cast(pl.Date))
    rows = pl.concat([assessed.with_columns(reason=pl.lit("首次"), no=pl.lit("PG"), day=day), again])
    assessments = rows.select(
        (pl.col("no") + pl.col("i").cast(pl.String).str.zfill(8)).alias("评估编号"), pl.col("id").alias("公民身份号码"), names(pl.col("i"), 11).alias("姓名"),
        pl.col("district").alias("旗县市区"),
        pl.when(pl.col("i") % 2 == 0).then(cn_date(pl.col("day"))).otherwise(pl.col("day").dt.strftime("%Y-%m-%d")).alias("评估日期"),
        names(pl.col("i"), 21).alias("评估员1"), names(pl.col("i"), 31).alias("评估员2"), pl.lit("MZ/T 039-2013").alias("评估标准"),
        *scores(pl.col("i"), pl.col("reason") == "复评"),
        pl.col("reason").alias("评估原因"), (pl.when(pl.col("no") == "PG").then(pl.lit("BG")).otherwise(pl.lit("BGF")) + pl.col("i").cast(pl.String)).alias("评估报告编号"),
        pl.col("day").dt.strftime("%Y/%m/%d").alias("报告日期"),
        (pl.when(pl.col("no") == "PG").then(pl.lit("ZM")).otherwise(pl.lit("ZMF")) + pl.col("i").cast(pl.String)).alias("证明编号"), pl.col("day").dt.strftime("%Y%m%d").alias("证明发放日期"),
        pl.when(pl.col("i") % 5003 == 1).then(pl.lit(None)).when(pl.col("i") % 3 == 0).then(pl.lit("√"))
        .when(pl.col("i") % 7 == 0).then(pl.lit("已签收")).otherwise(pl.lit("是")).alias("是否签收"))
    homes = ids(n, 13, "1930-01-01", "1960-01-01").select(
        ("SLH" + pl.col("i").cast(pl.String).str.zfill(8)).alias("户编号"), pl.col("id").alias("户主身份号码"), pl.col("district").alias("旗县市区"),
        cn_date((pl.date(2021, 5, 1).cast(pl.Int32) + pl.col("i").hash(9) % 480).cast(pl.Date)).alias("改造完成日期"))
    k = n // 5 + 10
    sample = homes.head(k).with_row_index("j").select(
        pl.col("户编号"), (pl.date(2022, 10, 15).cast(pl.Int32) + pl.col("j").cast(pl.Int64).hash(4) % 44).cast(pl.Date).dt.strftime("%Y-%m-%d").alias("抽检日期"),
        pl.lit("是").alias("改造内容是否核查"), pl.lit("合格").alias("改造核查结论"),
        pl.when(pl.col("j") < 20).then(pl.lit("否")).otherwise(pl.lit("是")).alias("上门服务是否核查"), pl.lit("合格").alias("上门服务核查结论"), pl.lit("孙检查").alias("抽检人"))
    return {"elderly_roster": roster, "elderly_assessments": assessments, "retrofit_households": homes, "retrofit_spot_checks": sample}


def write(out: Path, frames: dict[str, pl.DataFrame], xlsx: bool, gbk: bool) -> None:
    shutil.copytree(ROOT / "evidence", out, dirs_exist_ok=True)
    manifest = yaml.safe_load((out / "manifest.yaml").read_text("utf-8"))
    for name, df in frames.items():
        if xlsx:
            from openpyxl import Workbook

            wb = Workbook(write_only=True)
            ws = wb.create_sheet("数据")
            ws.append(df.columns)
            for row in df.iter_rows():
                ws.append(list(row))
            file = f"big_{name}.xlsx"
            wb.save(out / file)
        else:
            file = f"big_{name}.csv"
            if gbk:
                (out / file).write_bytes(df.write_csv().encode("gb18030"))
            else:
                df.write_csv(out / file, include_bom=True)
        replaced = manifest["datasets"][name]["file"]
        manifest["datasets"][name] = {"file": file}
        if all(e["file"] != replaced for e in manifest["datasets"].values()):  # not left behind, unlisted
            (out / replaced).unlink(missing_ok=True)
    (out / "manifest.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False), "utf-8")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--xlsx", action="store_true", help="write the big datasets as XLSX instead of CSV")
    ap.add_argument("--gbk", action="store_true", help="write the big CSV files in GBK/GB18030, as Excel on Chinese Windows does")
    a = ap.parse_args(argv)
    write(a.out, build(a.rows), a.xlsx, a.gbk)
    print(a.out)


if __name__ == "__main__":
    sys.exit(main())
