"""Generate the bundled sample submission in evidence/ (fixed seed, byte-for-byte reproducible).

    python tools/generate_evidence.py [OUTPUT_DIR]     # default: evidence/
    python tools/generate_evidence.py --fixed OUTPUT_DIR   # a second round that fixes the shortfalls

`--fixed` writes the submission a supplier would send after a rectification notice: the same records (the same
random draws, so files it does not touch stay byte-identical), with each deliberate shortfall corrected by adding
or correcting the rows concerned (records it adds come from a separate random stream).

Invented people, real Tongliao counties and townships, dates in 2022, in the forms evidence really
arrives: XLSX with a title row above the header, one with a two-row merged header, CSV saved as GBK,
a few JSON and YAML files. It meets most standards and misses a few on purpose: evidence/README.md
lists exactly which, and tests/test_bundled.py checks that the report shows exactly those.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import sys
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import yaml
from openpyxl import Workbook
from openpyxl.styles import Font

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from complycheck.idnumbers import uscc_check_char  # noqa: E402

SEED = 20221215
ROOT = Path(__file__).resolve().parent.parent
R = random.Random(SEED)
FIXED = False  # --fixed: the second round, shortfalls corrected


class _aside:
    """Draw from a separate random stream inside the block, so the main stream (and every file it makes) is the
    same with and without --fixed."""

    def __init__(self, salt: int) -> None:
        self.salt = salt

    def __enter__(self) -> None:
        global R
        self.saved, R = R, random.Random(SEED * 100 + self.salt)

    def __exit__(self, *exc: object) -> None:
        global R
        R = self.saved
FIXED_TIME = (2022, 12, 10, 9, 0, 0)

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文包"
GIVEN = "淑兰秀英桂芝玉珍凤霞春梅海燕建国志强德明文华丽娟金山宝林玉兰福生永庆桂荣素芬振华国庆红梅晓东立新春生秀珍长海凤英"
MONGOL = ["巴特尔", "其其格", "乌力吉", "萨仁", "那日苏", "斯琴", "宝音", "额尔敦", "苏和", "图雅"]
DISTRICTS = {  # name -> (current code, legacy 1523xx code)
    "科尔沁区": ("150502", "152301"), "霍林郭勒市": ("150581", "152302"), "开鲁县": ("150523", "152324"),
    "科尔沁左翼中旗": ("150521", "152322"), "科尔沁左翼后旗": ("150522", "152323"), "库伦旗": ("150524", "152325"),
    "奈曼旗": ("150525", "152326"), "扎鲁特旗": ("150526", "152327"),
}
DISTRICT_WEIGHTS = [22, 4, 14, 18, 14, 7, 12, 9]
SHORT = {"科尔沁区": "科区", "科尔沁左翼中旗": "科左中旗", "科尔沁左翼后旗": "科左后旗"}
HORQIN_TOWNS = ["西门街道", "科尔沁街道", "永清街道", "红星街道", "明仁街道", "东郊街道", "施介街道", "清河镇", "大林镇", "钱家店镇"]
COMMUNITIES = ["和平社区", "新华社区", "民主社区", "建国社区", "胜利社区", "团结社区", "光明社区", "繁荣社区"]
SUPPLIER = "通辽市政通社会事务服务中心"
PROJECT = "TLSZCS-C-F-220141"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def check_char(s17: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(s17, WEIGHTS)) % 11]


def uscc_of(first17: str) -> str:
    """A unified social credit code with its GB 32100-2015 check character."""
    assert len(first17) == 17
    return first17 + uscc_check_char(first17)


def _transpose(code: str, k: int) -> str:
    """The code with two different adjacent characters from k on swapped (a typing slip; the check character no longer fits)."""
    while code[k] == code[k + 1]:
        k += 1
    return code[:k] + code[k + 1] + code[k] + code[k + 2:]


def make_id(district: str, born: date, legacy: bool = False, female: bool | None = None) -> str:
    code = DISTRICTS[district][1 if legacy else 0]
    seq = R.randint(1, 499) * 2 - (0 if (female if female is not None else R.random() < 0.5) else 1)
    s17 = f"{code}{born:%Y%m%d}{seq:03d}"
    return s17 + check_char(s17)


def name() -> str:
    if R.random() < 0.08:
        return R.choice(MONGOL) + ("·" + R.choice(MONGOL) if R.random() < 0.3 else "")
    return R.choice(SURNAMES) + "".join(R.choice(GIVEN) for _ in range(R.choice((1, 2, 2))))


def born_between(a: date, b: date) -> date:
    return a + timedelta(days=R.randint(0, (b - a).days))


def day(a: date, b: date) -> date:
    return a + timedelta(days=R.randint(0, (b - a).days))


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def pick_district() -> str:
    return R.choices(list(DISTRICTS), DISTRICT_WEIGHTS)[0]


# ----------------------------------------------------------------------------- writers
def write_xlsx(path: Path, sheet: str, headers: list[str], rows: list[list], title: str | None = None,
               merged_header: list[tuple[str, list[str]]] | None = None, extra_sheets: dict[str, list[list]] | None = None) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    r = 1
    width = len(headers) if not merged_header else sum(max(1, len(c)) for _, c in merged_header)
    if title:
        ws.cell(1, 1, title).font = Font(bold=True, size=14)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        r = 2
    if merged_header:
        c = 1
        for parent, children in merged_header:
            if children:
                ws.cell(r, c, parent)
                if len(children) > 1:
                    ws.merge_cells(start_row=r, start_column=c, end_row=r, end_column=c + len(children) - 1)
                for i, ch in enumerate(children):
                    ws.cell(r + 1, c + i, ch)
                c += len(children)
            else:
                ws.cell(r, c, parent)
                ws.merge_cells(start_row=r, start_column=c, end_row=r + 1, end_column=c)
                c += 1
        r += 2
    else:
        for c, h in enumerate(headers, 1):
            ws.cell(r, c, h).font = Font(bold=True)
        r += 1
    for row in rows:
        for c, v in enumerate(row, 1):
            cell = ws.cell(r, c, v)
            if isinstance(v, date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(v, str) and len(v) == 18 and v[:17].isdigit():
                cell.number_format = "@"
        r += 1
    for name_, extra in (extra_sheets or {}).items():
        ws2 = wb.create_sheet(name_)
        for row in extra:
            ws2.append(row)
    wb.properties.creator = "complycheck sample generator"
    wb.properties.created = datetime(*FIXED_TIME)
    wb.properties.modified = datetime(*FIXED_TIME)
    buf = io.BytesIO()
    wb.save(buf)
    _rezip(buf.getvalue(), path)


def _rezip(data: bytes, path: Path) -> None:
    """Rewrite the zip with fixed timestamps so the file is byte-for-byte reproducible."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" with the time of saving
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2022-12-10T09:00:00Z", body)
            zi = zipfile.ZipInfo(info.filename, FIXED_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, body)
    path.write_bytes(out.getvalue())


def write_csv(path: Path, headers: list[str], rows: list[list], encoding: str) -> None:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(headers)
    for row in rows:
        w.writerow(["" if v is None else (v.isoformat() if isinstance(v, date) else v) for v in row])
    text = buf.getvalue()
    path.write_bytes(text.encode("utf-8-sig") if encoding == "utf-8-sig" else text.encode(encoding))


def write_json(path: Path, records: list[dict]) -> None:
    path.write_text(json.dumps(records, ensure_ascii=False, indent=1, default=str) + "\n", "utf-8")


def write_yaml(path: Path, records: list[dict]) -> None:
    path.write_text(yaml.safe_dump(records, allow_unicode=True, sort_keys=False, default_flow_style=False), "utf-8")


# ----------------------------------------------------------------------------- the submission
START, D_ASSESS, D_END, AS_OF = date(2022, 9, 19), date(2022, 10, 31), date(2022, 11, 30), date(2022, 12, 15)


def build(out: Path) -> dict[str, dict]:
    manifest: dict[str, dict] = {}
    files: list[tuple[str, str, list[str]]] = []  # (file, line item, clause ids) for the evidence manifest

    def add(ds: str, file: str, line: str, clauses: list[str], **extra) -> None:
        manifest[ds] = {"file": file, **extra}
        files.append((file, line, clauses))

    # ---------------------------------------------------------------- 1-1 elderly roster and assessments
    roster = []
    for i in range(3000):
        d = pick_district()
        born = born_between(date(1925, 1, 1), date(1957, 9, 19))
        legacy = born.year < 1985 and R.random() < 0.35
        roster.append({"id": make_id(d, born, legacy), "name": name(), "district": d, "type": R.choice(["城市", "农村", "农村"]),
                       "status": "在保", "flag": R.choice(["失能", "部分失能", "部分失能"]), "born": born})
    for p in R.sample(roster, 40):
        p["status"] = "停保"
    # one roster ID with a wrong check character (C.5-roster fails)
    bad = roster[17]
    if not FIXED:
        bad["roster_id"] = bad["id"][:17] + ("0" if bad["id"][17] != "0" else "1")
    in_scope = [p for p in roster if p["status"] == "在保" and p is not bad]
    missed = R.sample(in_scope, 3)  # three in-scope people never assessed (1-1.S1a fails)
    rrows = [[p.get("roster_id", p["id"]), p["name"], SHORT.get(p["district"], p["district"]) if R.random() < 0.1 else p["district"], p["type"], p["status"], p["flag"], date(2022, 9, 15)] for p in roster]
    write_xlsx(out / "低保失能老年人名册.xlsx", "名册", ["公民身份号码", "姓名", "旗县市区", "低保类别（城市/农村）", "保障状态（在保/停保）", "失能情况（失能/部分失能）", "名册日期"],
               rrows, title="通辽市城乡低保对象中失能/部分失能老年人名册（民政局提供）")
    add("elderly_roster", "低保失能老年人名册.xlsx", "1-1", ["1-1.S1a", "C.5"])

    arows, assessed = [], []
    levels = ["能力完好", "轻度失能", "中度失能", "重度失能"]
    assessors = [name() for _ in range(30)]
    # 等级变更依据 (MZ/T 039-2013): a cognitive condition or a recent risk event raises the preliminary level one step
    # each; a preliminary 重度失能 stays. Drawn from their own stream, so every other value of the sample is unchanged.
    mods = random.Random(SEED * 100 + 5)
    raising = ["认知障碍", "痴呆", "精神疾病", "近30天内跌倒1次", "近30天内噎食1次"]
    for n, p in enumerate(p for p in roster if p["status"] == "在保" and p not in missed):
        d = day(date(2022, 9, 26), date(2022, 10, 28))
        lvl = R.choices(levels, [5, 40, 35, 20])[0]
        total = {"能力完好": 100, "轻度失能": R.choice(range(65, 100, 5)), "中度失能": R.choice(range(45, 65, 5)), "重度失能": R.choice(range(0, 45, 5))}[lvl]
        a1, a2 = R.sample(assessors, 2)
        signed = R.choice(["是", "是", "是", "√", "已签收"])
        rep = d + timedelta(days=R.randint(0, 2))
        prelim, why, u = lvl, None, mods.random()
        if lvl == "中度失能" and u < 0.06:  # 轻度 by the score, one step up
            prelim, total, why = "轻度失能", mods.choice(range(65, 100, 5)), mods.choice(raising)
        elif lvl == "重度失能" and u < 0.05:  # 中度 by the score, one step up
            prelim, total, why = "中度失能", mods.choice(range(45, 65, 5)), mods.choice(raising)
        elif lvl == "重度失能" and u < 0.08:  # 轻度 by the score, two steps up (both kinds)
            prelim, total, why = "轻度失能", mods.choice(range(65, 100, 5)), "认知障碍、近30天内走失1次"
        elif lvl == "重度失能" and u < 0.12:  # already 重度: listed, no change
            why = mods.choice(raising)
        arows.append([f"PG2022{n + 1:05d}", p["id"], p["name"], p["district"], d, a1, a2, "MZ/T 039-2013", total, prelim, why, lvl,
                      "首次", f"BG{n + 1:05d}", rep, f"ZM{n + 1:05d}", rep + timedelta(days=1), signed])
        assessed.append((p, lvl))
    if FIXED:  # the three missed people, assessed at the end of October (1-1.S1a)
        with _aside(1):
            for k, p in enumerate(missed, start=len(arows) + 1):
                d = date(2022, 10, 29)
                a1, a2 = R.sample(assessors, 2)
                arows.append([f"PG2022{k:05d}", p["id"], p["name"], p["district"], d, a1, a2, "MZ/T 039-2013", 50, "中度失能",
                              None, "中度失能", "首次", f"BG{k:05d}", d, f"ZM{k:05d}", d + timedelta(days=1), "是"])
    write_xlsx(out / "老年人能力评估记录.xlsx", "评估记录",
               ["评估编号", "身份证号", "姓名", "旗县市区", "评估日期", "评估员1", "评估员2", "评估标准", "总分", "初步等级", "等级变更依据", "最终等级", "评估原因",
                "评估报告编号", "报告日期", "证明编号", "证明发放日期", "是否签收"],
               arows, title="老年人能力综合评估汇总表（2022年）")
    add("elderly_assessments", "老年人能力评估记录.xlsx", "1-1", ["1-1.S1a", "1-1.S1d", "1-1.S1e", "1-1.D1"])

    sample = R.sample(assessed, 160)
    rc = [[p["id"], cn_date(day(date(2022, 11, 1), date(2022, 11, 20))), "通辽市第三方评估复核组", None, lvl, "随机抽样（种子 20221101）"] for p, lvl in sample]
    write_csv(out / "评估复核抽查.csv", ["公民身份号码", "复核日期", "复核人", "复核总分", "复核等级", "抽样方法"], rc, "gbk")
    add("assessment_rechecks", "评估复核抽查.csv", "1-1", ["1-1.S1c"])

    # ---------------------------------------------------------------- 1-1 care-worker training
    sessions = []
    for i in range(8):
        d = date(2022, 10, 10) + timedelta(days=i * 5)
        sessions.append([f"HL-{i + 1:02d}", "1-1", d, 6, "集中", "通辽市养老服务指导中心", pick_district(), "养老护理员职业技能培训", "养老护理", "其他", "", R.choice(["刘建华", "高秀兰"]), "内蒙古民族大学护理学院", "副教授", 24, f"签到表/HL-{i + 1:02d}.pdf"])
    trows = []
    for i in range(190):
        d = pick_district()
        born = born_between(date(1965, 1, 1), date(1998, 12, 31))
        passed = i < 174  # 174/190 = 91.6%
        trows.append([make_id(d, born), name(), d, R.choice(["社会福利院", "颐养中心", "幸福院", "居家养老服务中心"]), f"第{i % 4 + 1}期", "是",
                      "100%", "合格" if passed else R.choice(["不合格", "缺考"]), f"HG2022{i + 1:04d}" if passed else "", cn_date(date(2022, 11, 25)) if passed else "",
                      f"ZG2022{i + 1:04d}" if passed else "", "五级/初级工" if passed else "", cn_date(date(2022, 12, 5)) if passed else ""])
    for i in range(6):  # registered but never attended: excluded from the denominator
        d = pick_district()
        trows.append([make_id(d, born_between(date(1970, 1, 1), date(1995, 1, 1))), name(), d, "幸福院", "第1期", "否", "0%", "缺考", "", "", "", "", ""])
    write_csv(out / "养老护理员培训学员.csv", ["公民身份号码", "姓名", "旗县市区", "工作单位", "培训班次", "是否参训", "出勤率", "考核结果", "合格证书编号", "合格证书日期",
                                         "资格（等级）证书编号", "等级", "资格证书发放日期"], trows, "gbk")
    add("caregiver_trainees", "养老护理员培训学员.csv", "1-1", ["1-1.S2a", "1-1.S2b"])

    # ---------------------------------------------------------------- 1-1 institutions
    registry, survey = [], []
    types = ["公办养老机构", "民办养老机构", "农村牧区互助幸福院"]
    for i in range(120):
        d = list(DISTRICTS)[i % 8]
        uscc = uscc_of(f"52150{i:04d}MJ{R.randint(100000, 999999)}")
        status = "运行" if R.random() < 0.85 else "已建成拟使用"
        registry.append([uscc, f"{d}{R.choice(['第一', '第二', '中心', '康乐', '福寿', '夕阳红'])}养老院{i + 1}", d, status])
        beds = R.randint(20, 300)
        nursing = R.randint(0, beds // 2)
        residents = R.randint(0, beds) if status == "运行" else 0
        staff = R.randint(3, 60)
        fire_ok = R.random() < 0.9
        lat, lon = round(R.uniform(42.5, 45.4), 4), round(R.uniform(119.5, 123.5), 4)
        survey.append([uscc, registry[-1][1], d, R.choice(types), status, f"{d}某街{R.randint(1, 200)}号", lon, lat,
                       R.randint(800, 9000), None, beds, nursing, residents, f"{residents / beds:.0%}", staff, R.randint(1, staff),
                       f"{R.randint(50, 3000)}万元", "是" if fire_ok else "否", "" if fire_ok else "部分消防通道堵塞", day(date(2022, 10, 8), date(2022, 11, 25))])
        survey[-1][9] = int(survey[-1][8] * R.uniform(0.6, 0.95))
    if not FIXED:
        survey[41][11] = survey[41][10] + 12  # nursing beds above total beds (1-1.S3c fails)
        survey[57][0] = _transpose(survey[57][0], 11)
    # one code mistyped in the survey (two digits swapped): 1-1.S3a-uscc fails, 1-1.S3a-uscc-match lists it for review
    write_csv(out / "养老机构名录.csv", ["统一社会信用代码", "机构名称", "旗县市区", "状态（运行/已建成拟使用）"], registry, "utf-8-sig")
    add("institution_registry", "养老机构名录.csv", "1-1", ["1-1.S3a"])
    mh = [("统一社会信用代码", []), ("机构名称", []), ("旗县市区", []), ("机构类别", []), ("建成并运行/已建成拟使用", []), ("地理位置", []), ("经度", []), ("纬度", []),
          ("建筑面积（㎡）", []), ("使用面积（㎡）", []), ("床位数", ["总数", "其中护理型"]), ("现有院民数", []), ("床位使用率", []),
          ("工作人员数", ["总数", "其中护理人员"]), ("建设资金总数", []), ("消防安全是否达标", []), ("隐患情况", []), ("调查日期", [])]
    write_xlsx(out / "养老机构基本情况调查表.xlsx", "调查表", [], survey, title="通辽市养老服务机构基本情况调查表", merged_header=mh)
    add("institution_survey", "养老机构基本情况调查表.xlsx", "1-1", ["1-1.S3a", "1-1.S3b", "1-1.S3c", "1-1.D3"], header_rows=2)

    centres = []
    for i in range(58):
        d = list(DISTRICTS)[i % 8]
        centres.append({"编号": f"ZX{i + 1:03d}", "名称": f"{d}{R.choice(COMMUNITIES)}居家养老服务站{i + 1}", "旗县市区": d})
    write_yaml(out / "居家社区养老服务中心名单.yaml", centres)
    add("centre_list", "居家社区养老服务中心名单.yaml", "1-1", ["1-1.S4a"])
    evals = []
    for c in centres:
        cs, ss = R.randint(30, 50), R.randint(30, 50)
        tot = cs + ss
        evals.append([c["编号"], c["名称"], day(date(2022, 10, 20), date(2022, 11, 25)), cs, ss, tot, "优" if tot >= 90 else "良" if tot >= 80 else "中" if tot >= 60 else "差", "赵评估、钱评估"])
    # the evaluators who scored the centres (the names in 评价人员), on a second sheet, each with a declaration below (1-1.S5b)
    panel = [["姓名", "品目号", "职责", "工作单位"], ["赵评估", "1-1", "评价人员（评分）", "内蒙古民族大学"], ["钱评估", "1-1", "评价人员（评分）", "通辽职业学院"]]
    write_xlsx(out / "养老服务中心绩效评价结果.xlsx", "评价结果", ["编号", "名称", "评价日期", "建设得分", "服务管理得分", "总分", "等次", "评价人员"], evals,
               extra_sheets={"评价人员名单": panel})
    add("centre_evaluations", "养老服务中心绩效评价结果.xlsx", "1-1", ["1-1.S4a", "1-1.D3", "1-1.S5b"], sheet="评价结果")
    manifest["evaluator_roster"] = {"file": "养老服务中心绩效评价结果.xlsx", "sheet": "评价人员名单"}

    households = []
    for i in range(2000):
        d = pick_district()
        households.append([f"SLH{i + 1:04d}", make_id(d, born_between(date(1930, 1, 1), date(1960, 1, 1)), R.random() < 0.3), d, cn_date(day(date(2021, 5, 1), date(2022, 8, 31)))])
    write_csv(out / "适老化改造户名册.csv", ["户编号", "户主身份号码", "旗县市区", "改造完成日期"], households, "gbk")
    add("retrofit_households", "适老化改造户名册.csv", "1-1", ["1-1.S4b"])
    checks = []
    for k, h in enumerate(R.sample(households, 410)):
        both = k >= 14  # 14 checked for the retrofit only: 396 valid < 400 (1-1.S4b fails)
        checks.append([h[0], day(date(2022, 10, 15), date(2022, 11, 28)), "是", R.choice(["合格", "合格", "合格", "需整改"]), "是" if both else "否", R.choice(["合格", "合格", "需改进"]) if both else "", R.choice(["孙检查", "李检查", "周检查"])])
    if FIXED:  # four more households spot-checked for both the retrofit and the home service (1-1.S4b: 400)
        with _aside(2):
            checked = {c[0] for c in checks}
            for h in [h for h in households if h[0] not in checked][:4]:
                checks.append([h[0], date(2022, 11, 29), "是", "合格", "是", "合格", "孙检查"])
    write_xlsx(out / "适老化改造抽检记录.xlsx", "抽检", ["户编号", "抽检日期", "改造内容是否核查", "改造核查结论", "上门服务是否核查", "上门服务核查结论", "抽检人"], checks)
    add("retrofit_spot_checks", "适老化改造抽检记录.xlsx", "1-1", ["1-1.S4b", "1-1.D3"])

    # ---------------------------------------------------------------- 1-2 social organisations
    for i, (d, topic, tags) in enumerate([(date(2022, 11, 8), "社会组织党建与内部治理", "党建、内部治理"), (date(2022, 11, 9), "财务管理与规范化开展活动", "财务管理、规范化开展活动")]):
        for half in range(2):
            sessions.append([f"SZ-{i * 2 + half + 1:02d}", "1-2", d, 3, "集中", "通辽市社会组织孵化基地", "科尔沁区", topic, tags, "其他", "", ["王立新", "陈淑芬"][half],
                             ["内蒙古民族大学", "通辽市委党校"][half], ["教授", "副教授"][half], 86, f"签到表/SZ-{i * 2 + half + 1:02d}.pdf"])
    orgs = []
    grades = [(951, "5A"), (901, "4A"), (851, "3A"), (801, "2A"), (0, "1A")]
    for i in range(25):
        uscc = uscc_of(f"51150500MJ{i:02d}{R.randint(10000, 99999)}")
        orgs.append({"统一社会信用代码": uscc, "社会组织名称": f"通辽市{R.choice(['慈善', '养老', '志愿', '社工', '青年'])}协会{i + 1}", "类型（社会团体/社会服务机构/基金会）": R.choice(["社会团体", "社会服务机构"])})
    write_json(out / "参评社会组织名单.json", orgs)
    add("org_eval_list", "参评社会组织名单.json", "1-2", ["1-2.S2a"])
    orows = []
    for i, o in enumerate(orgs):
        score = R.randint(780, 990)
        g = next(gr for lo, gr in grades if score >= lo)
        orows.append([o["统一社会信用代码"], o["社会组织名称"], o["类型（社会团体/社会服务机构/基金会）"], date(2015 + i % 5, 3, 1), "合格", None, None,
                      day(date(2022, 10, 10), date(2022, 11, 20)), score, g, "完善内部治理制度，规范财务票据管理", "民政部令第39号、民发[2007]127号、通民发[2016]47号",
                      f"SZPG-2022-{i + 1:03d}", f"报告/SZPG-2022-{i + 1:03d}.pdf"])
    write_xlsx(out / "社会组织等级评估结果.xlsx", "评估结果", ["统一社会信用代码", "名称", "类型", "登记日期", "上年度年检结论", "原评估等级", "原等级取得日期", "评估日期",
                                                   "总分（千分制）", "评估结论（建议等级）", "建议", "评估依据", "报告编号", "评估报告"], orows)
    add("org_evaluations", "社会组织等级评估结果.xlsx", "1-2", ["1-2.S2a", "1-2.S2b", "1-2.D1"])

    # ---------------------------------------------------------------- 1-3 social work
    stations = [{"站点编号": f"SGZ{i + 1:02d}", "站点名称": f"{t}社会工作服务站", "苏木乡镇(街道)": t, "旗县市区": "科尔沁区"} for i, t in enumerate(HORQIN_TOWNS[:8])]
    write_yaml(out / "社会工作服务站名录.yaml", stations)
    add("sw_stations", "社会工作服务站名录.yaml", "1-3", ["1-3.S1b"])
    ids = [s["站点编号"] for s in stations]
    for i, d in enumerate([date(2022, 10, 12), date(2022, 10, 26), date(2022, 11, 9), date(2022, 11, 16)]):
        sessions.append([f"SG-{i + 1:02d}", "1-3", d, 4, "集中", "科尔沁区社会工作服务指导中心", "科尔沁区", ["社会工作实务", "考前辅导：社会工作综合能力", "个案工作方法", "社区工作方法"][i],
                         "", "考前辅导" if i == 1 else "专业培训", "、".join(ids if i % 2 == 0 else ids[::-1]), "何社工", "通辽职业学院", "社会工作师", 40, f"签到表/SG-{i + 1:02d}.pdf"])
    write_xlsx(out / "培训场次记录.xlsx", "培训场次", ["场次编号", "品目号", "培训日期", "学时", "形式（集中/分散/线上）", "地点", "旗县市区", "培训主题", "主题分类",
                                               "类别（考前辅导/专业培训/其他）", "参训站点", "授课人", "授课人单位", "职称/资质", "参训人数", "签到表"], sessions)
    add("training_sessions", "培训场次记录.xlsx", "1-1", ["1-1.D2", "1-2.S1a", "1-2.S1b", "1-2.S1c", "1-3.S1b"])

    swt = []
    for i in range(120):
        base = "无" if i >= 18 else "助理社会工作师"
        now = base if i >= 26 else "助理社会工作师"
        swt.append([make_id("科尔沁区", born_between(date(1975, 1, 1), date(1999, 1, 1))), name(), R.choice(ids), R.choice(COMMUNITIES), base, now, "2022年8月20日" if now != base else ""])
    write_csv(out / "社会工作人才培养参训人员.csv", ["公民身份号码", "姓名", "所属站点", "社区", "上年末持证等级", "现持证等级", "取证日期"], swt, "gbk")
    add("sw_trainees", "社会工作人才培养参训人员.csv", "1-3", ["1-3.S1a"])
    write_json(out / "社工站建设协助记录.json", [
        {"苏木乡镇(街道)": "西门街道", "站点": "SGZ01", "日期": "2022-10-18", "协助内容": "制定社工站管理制度", "成果（制度/规范名称）": "西门街道社会工作服务站管理制度", "成果文件": "制度/西门.pdf"},
        {"苏木乡镇(街道)": "大林镇", "站点": "SGZ09", "日期": "2022年11月3日", "协助内容": "建立服务流程与台账规范", "成果（制度/规范名称）": "大林镇社工站服务规范", "成果文件": "制度/大林.pdf"},
        {"苏木乡镇(街道)": "红星街道", "站点": "SGZ04", "日期": "2022-11-10", "协助内容": "座谈", "成果（制度/规范名称）": "", "成果文件": ""},
    ])
    add("station_assistance", "社工站建设协助记录.json", "1-3", ["1-3.S2"])

    acts, parts = [], []
    vols = []
    for i in range(300):
        vols.append({"id": make_id("科尔沁区", born_between(date(1960, 1, 1), date(2003, 1, 1))), "name": name(), "community": R.choice(COMMUNITIES)})
    def activity(kind: str, d: date, item: int, with_volunteers: bool = False) -> None:
        aid = f"HD{len(acts) + 1:04d}"
        town = R.choice(HORQIN_TOWNS[:7])
        district = "科区" if R.random() < 0.2 else "科尔沁区"
        acts.append([aid, item, kind, cn_date(d) if R.random() < 0.5 else d, R.choice(COMMUNITIES), town, district, R.randint(12, 60), f"纪要/{aid}.pdf"])
        if with_volunteers:
            for v in R.sample(vols[:298], R.randint(5, 12)):
                parts.append([aid, v["id"], v["name"], "志愿者"])
            parts.append([aid, None, name(), "居民"])
    for q_day in (date(2022, 10, 11), date(2022, 11, 8)):
        activity("居民需求调查", q_day, 3)
        activity("议事协商会议", q_day + timedelta(days=2), 3)
        activity("社区服务", q_day + timedelta(days=5), 3)
    for d in (date(2022, 9, 28), date(2022, 10, 14), date(2022, 11, 15)):
        activity("指导社区社会组织", d, 8)
    for d in (date(2022, 9, 24), date(2022, 10, 9), date(2022, 10, 23), date(2022, 11, 12)):  # November: only one (1-3.S8 fails)
        activity("志愿服务活动", d, 10, with_volunteers=True)
    if FIXED:  # the second November volunteer activity, whose record was missing (1-3.S8)
        with _aside(3):
            activity("志愿服务活动", date(2022, 11, 26), 10, with_volunteers=True)
    activity("慈善救助活动", date(2022, 10, 20), 13)
    activity("慈善救助活动", date(2022, 11, 22), 13)
    activity("慈善项目展示推介", date(2022, 10, 28), 12)
    for d in (date(2022, 10, 5), date(2022, 11, 1)):
        activity("社区服务", d, 4)
    write_xlsx(out / "社区活动台账.xlsx", "活动台账", ["活动编号", "对应服务要求序号（1-13）", "活动类型", "日期", "社区", "苏木乡镇(街道)", "旗县市区", "参与人数", "纪要/照片"],
               acts, title="科尔沁区社会工作服务项目社区活动台账")
    add("community_activities", "社区活动台账.xlsx", "1-3", ["1-3.S3", "1-3.S6", "1-3.S8", "1-3.S11", "1-3.R1", "1-3.D1"])
    write_csv(out / "活动签到名单.csv", ["活动编号", "公民身份号码", "姓名", "身份（志愿者/居民/工作人员）"], parts, "gbk")
    add("activity_participants", "活动签到名单.csv", "1-3", ["1-3.S8", "1-3.S9"])

    vrows, nv = [], []
    for i, v in enumerate(vols):
        registered = i < 298 or FIXED  # two volunteers never registered (1-3.S9 fails)
        vno = f"15050220{i + 1:06d}" if registered else ""
        reg = datetime(2022, 10, 1, 9, 30) + timedelta(hours=i * 5)
        vrows.append([v["id"], v["name"], v["community"], day(date(2022, 9, 20), date(2022, 11, 10)), "是" if registered else "否", vno, reg.date() if registered else None])
        if registered:
            with _aside(4) if i >= 298 else _noop():
                hours = R.randint(2, 40)
            nv.append([v["id"][:6] + "********" + v["id"][-4:], v["name"], vno, reg.strftime("%Y-%m-%d %H:%M:%S"), "科尔沁区“我帮你”志愿服务队", hours])
    write_xlsx(out / "志愿者名册.xlsx", "志愿者", ["公民身份号码", "姓名", "社区", "招募日期", "是否在全国志愿服务信息系统注册", "志愿者编号", "注册日期"], vrows)
    add("volunteers", "志愿者名册.xlsx", "1-3", ["1-3.S7", "1-3.S9"])
    write_csv(out / "全国志愿服务信息系统导出.csv", ["证件号码", "姓名", "志愿者编号", "注册时间", "所属队伍", "服务时长（小时）"], nv, "utf-8-sig")
    add("nvsis_export", "全国志愿服务信息系统导出.csv", "1-3", ["1-3.S9"])

    recipients, visits = [], []
    for i in range(80):
        pid = make_id("科尔沁区", born_between(date(1940, 1, 1), date(1990, 1, 1)))
        recipients.append([pid, name(), R.choice(["社会救助对象", "社会救助对象", "困境群体", "婚姻家庭"]), R.choice(COMMUNITIES), cn_date(day(date(2022, 9, 20), date(2022, 10, 30))), "", ""])
        visits.append([pid, day(date(2022, 10, 1), date(2022, 11, 25)), "入户", R.choice(["何社工", "林社工"]), f"评估表/{i + 1:03d}.pdf"])
    write_xlsx(out / "服务对象名册.xlsx", "服务对象", ["公民身份号码", "姓名", "类别（社会救助对象/困境群体/婚姻家庭）", "社区", "纳入日期", "退出原因", "退出日期"], recipients)
    add("service_recipients", "服务对象名册.xlsx", "1-3", ["1-3.S4a"])
    write_csv(out / "入户需求评估记录.csv", ["公民身份号码", "评估日期", "方式（入户/电话/其他）", "评估人", "评估表"], visits, "gbk")
    add("needs_assessments", "入户需求评估记录.csv", "1-3", ["1-3.S4a", "1-3.S10"])
    cases = [{"个案编号": f"GA{i + 1:03d}", "服务对象身份号码": recipients[i][0], "开案日期": cn_date(day(date(2022, 9, 25), date(2022, 10, 20))), "接案记录": "有",
              "预估记录": "有", "服务计划": "有", "服务记录次数": R.randint(2, 8), "结案日期": cn_date(day(date(2022, 11, 10), date(2022, 11, 28)))} for i in range(14)]
    write_json(out / "个案服务档案.json", cases)
    add("case_files", "个案服务档案.json", "1-3", ["1-3.S4b"])
    backbone = [[name(), make_id("科尔沁区", born_between(date(1960, 1, 1), date(1995, 1, 1))), f"{R.choice(COMMUNITIES)}{R.choice(['舞蹈队', '邻里互助会', '志愿服务队'])}", R.choice(COMMUNITIES), "组织管理与活动策划培训"] for _ in range(20)]
    write_xlsx(out / "社区社会组织骨干人才名单.xlsx", "骨干人才", ["姓名", "公民身份号码", "所属社区社会组织", "社区", "培养内容"], backbone)
    add("backbone_roster", "社区社会组织骨干人才名单.xlsx", "1-3", ["1-3.S5"])
    needy, surveys = [], []
    for i in range(150):
        pid = make_id("科尔沁区", born_between(date(1935, 1, 1), date(2000, 1, 1)))
        needy.append([pid, name(), R.choice(["低保", "特困", "低保边缘", "临时救助"]), R.choice(COMMUNITIES), date(2022, 9, 30)])
        if i < 120:
            surveys.append([pid, cn_date(day(date(2022, 10, 3), date(2022, 11, 20))), R.choice(["医疗", "就业", "助餐", "助学"]), R.choice(["慈善总会", "爱心企业", ""])])
        else:
            visits.append([pid, day(date(2022, 10, 3), date(2022, 11, 20)), "入户", "林社工", f"评估表/N{i:03d}.pdf"])
    write_csv(out / "入户需求评估记录.csv", ["公民身份号码", "评估日期", "方式（入户/电话/其他）", "评估人", "评估表"], visits, "gbk")
    write_xlsx(out / "社区困难群众名册.xlsx", "困难群众", ["公民身份号码", "姓名", "类别（低保/特困/低保边缘/临时救助等）", "社区", "名册日期"], needy, title="科尔沁区试点社区困难群众名册（民政局提供）")
    add("needy_residents", "社区困难群众名册.xlsx", "1-3", ["1-3.S10"])
    write_csv(out / "困难群众需求调查.csv", ["公民身份号码", "调查日期", "需求内容", "对接资源"], surveys, "gbk")
    add("needs_surveys", "困难群众需求调查.csv", "1-3", ["1-3.S10"])

    # ---------------------------------------------------------------- documents, attestations, contract lines, evidence list
    docs = [("调查报告", "通辽市养老服务机构基本情况调查报告", "2022-11-28", "1-1"), ("绩效评价报告", "养老提升行动绩效评价报告", "2022-11-29", "1-1"),
            ("评价方案", "居家社区养老服务中心绩效评价方案及指标体系", "2022-10-12", "1-1"), ("评分表", "58所中心评分表汇编", "2022-11-26", "1-1"),
            ("抽样方案", "适老化改造抽检抽样方案", "2022-10-12", "1-1"), ("疫情防控方案", "社会组织集中培训疫情防控方案", "2022-11-01", "1-2"),
            ("活动成效佐证", "社区社会组织活动成效佐证材料", "2022-11-25", "1-3"), ("志愿者招募方案", "科尔沁区社区志愿者招募方案", "2022-09-21", "1-3"),
            ("困难群众需求汇总表", "试点社区困难群众需求汇总表", "2022-11-21", "1-3"), ("社区慈善救助实施计划", "社区慈善救助实施计划", "2022-10-08", "1-3")]
    docs = [(t, ti, d, li, None) for t, ti, d, li in docs]
    for o, r in zip(orgs, orows):  # one on-site record and one expert scoring sheet per evaluated organisation (1-2.S2c)
        code, org, evaluated = o["统一社会信用代码"], o["社会组织名称"], r[7]
        docs += [("实地考察记录", f"{org}评估实地考察记录", (evaluated - timedelta(days=3)).isoformat(), "1-2", code),
                 ("专家评分表", f"{org}评估专家评分表", evaluated.isoformat(), "1-2", code)]
    write_yaml(out / "方案计划报告清单.yaml", [{"文件类型": t, "标题": ti, "日期": d, "品目号": li, "统一社会信用代码": code, "文件": f"文件/{ti}.pdf"}
                                         for t, ti, d, li, code in docs])
    add("documents", "方案计划报告清单.yaml", "contract", ["1-1.D3", "1-1.S5b", "1-2.S1d", "1-2.S2c", "1-3.S5", "1-3.S7", "1-3.R12", "1-3.R13"])
    atts = [("数据真实性承诺书", "1-1", "张主任", "中心主任", "2022-11-30"), ("无利益冲突声明", "1-1", "赵评估", "评价人员", "2022-10-15"),
            ("无利益冲突声明", "1-1", "钱评估", "评价人员", "2022-10-15"), ("评估报告真实性承诺", "1-2", "张主任", "中心主任", "2022-11-25")]
    write_yaml(out / "承诺书声明.yaml", [{"文件类型": t, "品目号": li, "签署人": s, "职务": ro, "签署日期": d, "文件": f"承诺/{t}-{s}.pdf"} for t, li, s, ro, d in atts])
    add("attestations", "承诺书声明.yaml", "contract", ["1-1.S5a", "1-1.S5b", "1-2.S2c"])
    write_csv(out / "中标标的明细.csv", ["品目号", "单价（元）", "数量", "单位", "总价（元）"],
              [["1-1", "772,300.00", "1.00", "项", "772,300.00"], ["1-2", "262,400.00", "1.00", "项", "262,400.00"], ["1-3", "394,500.00", "1.00", "项", "394,500.00"]], "utf-8")
    add("contract_lines", "中标标的明细.csv", "contract", ["C.1", "C.2"])
    mrows = [[f, li, "、".join(cl), SUPPLIER, PROJECT.replace("-", "－") if k == 3 else PROJECT, cn_date(date(2022, 12, 1)), "是"] for k, (f, li, cl) in enumerate(files)]
    write_xlsx(out / "验收材料清单.xlsx", "清单", ["文件名", "品目号", "对应条款", "供应商名称", "项目编号", "文件日期", "是否签字盖章"], mrows, title="验收材料清单")
    manifest["evidence_manifest"] = {"file": "验收材料清单.xlsx"}
    return manifest


class _noop:
    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        pass


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    manifest = build(out)
    doc = {"submission": {"title": "TLSZCS-C-F-220141 履约验收材料（样例，由 tools/generate_evidence.py 生成）", "supplier": SUPPLIER, "project_no": PROJECT,
                          "submitted": "2022-12-01"}, "datasets": dict(sorted(manifest.items()))}
    (out / "manifest.yaml").write_text("# 证据清单：每个数据集的文件（和工作表、表头）。由 tools/generate_evidence.py 生成。\n"
                                       + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")


if __name__ == "__main__":
    args = sys.argv[1:]
    if "--fixed" in args:
        args.remove("--fixed")
        if not args:
            sys.exit("usage: generate_evidence.py --fixed OUTPUT_DIR (a folder other than evidence/)")
        FIXED = True
    main(Path(args[0]) if args else ROOT / "evidence")
