"""Generate the sample submission of the home-care-visits example pack (fixed seed, byte-for-byte reproducible).

    python examples/home-care-visits/generate.py [OUTPUT_DIR]     # default: examples/home-care-visits/evidence/

An invented county (青禾县, ID address code 379901, which no real county has), invented people, phone numbers and
organisations, dates in 2024. Files arrive as they do in practice: the bureau's list as XLSX with a title row, the
visit log as CSV saved as GBK (Excel on Chinese Windows) with dates like 2024年3月5日 and 是/否, the follow-up calls as
UTF-8 CSV with a BOM, the rest as XLSX, JSON and YAML. The submission meets most standards and misses a few on
purpose: the pack's README lists exactly which, and tests/test_examples.py checks that the report shows exactly those.
"""

from __future__ import annotations

import calendar
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

SEED = 20240620
HERE = Path(__file__).resolve().parent
R = random.Random(SEED)
FIXED_TIME = (2024, 6, 16, 9, 0, 0)

COUNTY_CODE = "379901"  # invented: Shandong (37) has no prefecture 99, so no real person has these numbers
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "淑兰秀英桂芝玉珍凤霞春梅德明文华丽娟金山宝林玉兰福生永庆桂荣素芬振华国庆红梅立新春生秀珍长海凤英守义广田"
TOWNS = ["城关镇", "东河镇", "西岭乡", "南湾镇", "北坡乡"]
SERVICE_TYPES = ["生活照料", "助餐", "助洁", "助浴", "健康监测", "精神慰藉"]
SERVICE_WEIGHTS = [30, 20, 20, 6, 14, 10]
SUPPLIER = "青禾县康宁居家养老服务中心"
PROJECT = "QHMZ-2024-HC-017"
START, END = date(2024, 3, 1), date(2024, 5, 31)
MONTHS = [(2024, 3), (2024, 4), (2024, 5)]
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def check_char(s17: str) -> str:
    """GB 11643 (ISO 7064 MOD 11-2) check character."""
    return "10X98765432"[sum(int(c) * w for c, w in zip(s17, WEIGHTS)) % 11]


def make_id(born: date, female: bool) -> str:
    seq = R.randint(1, 499) * 2 - (0 if female else 1)
    s17 = f"{COUNTY_CODE}{born:%Y%m%d}{seq:03d}"
    return s17 + check_char(s17)


def person_name() -> str:
    return R.choice(SURNAMES) + "".join(R.choice(GIVEN) for _ in range(R.choice((1, 2, 2))))


def phone(n: int) -> str:
    return f"1380000{n:04d}"  # an obviously patterned, invented block


def day(a: date, b: date) -> date:
    return a + timedelta(days=R.randint(0, (b - a).days))


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


# ----------------------------------------------------------------------------- writers
def write_xlsx(path: Path, sheet: str, headers: list[str], rows: list[list], title: str | None = None) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    r = 1
    if title:
        ws.cell(1, 1, title).font = Font(bold=True, size=14)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
        r = 2
    for c, h in enumerate(headers, 1):
        ws.cell(r, c, h).font = Font(bold=True)
    for row in rows:
        r += 1
        for c, v in enumerate(row, 1):
            cell = ws.cell(r, c, v)
            if isinstance(v, date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(v, str) and v.isdigit() and len(v) >= 11:
                cell.number_format = "@"  # ID and phone numbers stored as text, as they must be
    wb.properties.creator = "complycheck example generator"
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
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2024-06-16T09:00:00Z", body)
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
    path.write_bytes(text.encode(encoding))


def write_json(path: Path, records: list[dict]) -> None:
    path.write_text(json.dumps(records, ensure_ascii=False, indent=1) + "\n", "utf-8")


def write_yaml(path: Path, records: list[dict]) -> None:
    path.write_text(yaml.safe_dump(records, allow_unicode=True, sort_keys=False, default_flow_style=False), "utf-8")


# ----------------------------------------------------------------------------- the submission
def build(out: Path) -> dict[str, dict]:
    manifest: dict[str, dict] = {}

    # ---------------------------------------------------------------- the bureau's list (66 people, 65 on the roll)
    people = []
    for i in range(66):
        female = R.random() < 0.6
        born = day(date(1930, 1, 1), date(1959, 12, 31))
        people.append(
            {
                "id": make_id(born, female),
                "name": person_name(),
                "phone": phone(101 + i),
                "town": TOWNS[i % 5],
                "level": R.choices(["自理", "半失能", "失能"], [3, 5, 2])[0],
                "enrolled": day(date(2023, 6, 1), date(2024, 2, 20)),
                "exit": None,
                "exit_reason": "",
            }
        )
    people[10].update(exit=date(2024, 2, 15), exit_reason="迁出")  # left before the service period: not on the roll
    people[20].update(exit=date(2024, 4, 10), exit_reason="死亡")
    people[30].update(exit=date(2024, 5, 12), exit_reason="入住养老机构")
    people[40]["enrolled"] = date(2024, 3, 18)  # enrolled during the service period
    hospital = people[50]  # in hospital the whole period: never visited (1.S1-reach 64/65 still passes)
    may_short = [people[5], people[15], people[25]]  # only one visit in May: per-beneficiary May 60/64 < 95%

    rows = [
        [p["id"], p["name"], p["phone"], p["town"], p["level"], p["enrolled"], p["exit"], p["exit_reason"]]
        for p in people
    ]
    write_xlsx(
        out / "居家上门服务对象名册.xlsx",
        "名册",
        ["公民身份号码", "姓名", "联系电话", "乡镇", "照护等级", "纳入日期", "退出日期", "退出原因"],
        rows,
        title="青禾县2024年居家上门服务对象名册（县民政局提供）",
    )
    manifest["enrolled_elderly"] = {"file": "居家上门服务对象名册.xlsx"}

    # ---------------------------------------------------------------- care workers
    workers = []
    for i in range(10):
        born = day(date(1968, 1, 1), date(1992, 12, 31))
        expiry = day(date(2024, 9, 1), date(2025, 3, 31))
        workers.append(
            [
                f"G{i + 1:02d}",
                person_name(),
                make_id(born, R.random() < 0.8),
                phone(201 + i),
                "" if i == 9 else f"YLHL-2023-{R.randint(1000, 9999)}",
                "" if i == 9 else R.choice(["五级/初级工", "四级/中级工"]),
                expiry,
                day(date(2021, 3, 1), date(2024, 1, 31)),
            ]
        )
    workers[6][6] = date(2024, 4, 15)  # G07's health certificate expires mid-April; G07 keeps visiting (1.S3 fails)
    write_xlsx(
        out / "上门服务人员名册.xlsx",
        "服务人员",
        ["工号", "姓名", "公民身份号码", "联系电话", "养老护理员证书编号", "证书等级", "健康证有效期至", "入职日期"],
        workers,
    )
    manifest["caregivers"] = {"file": "上门服务人员名册.xlsx"}

    # ---------------------------------------------------------------- the visit log
    by_town = {t: [f"G{2 * k + 1:02d}", f"G{2 * k + 2:02d}"] for k, t in enumerate(TOWNS)}
    visits = []
    for n, p in enumerate(people):
        if p is hospital:
            continue
        worker = by_town[p["town"]][n % 2]
        for y, m in MONTHS:
            first, last = date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])
            first = max(first, p["enrolled"])
            if p["exit"]:
                last = min(last, p["exit"] - timedelta(days=1))
            if first > last:
                continue
            k = R.choices([2, 3, 4], [60, 35, 5])[0]
            if (y, m) == (2024, 5) and p in may_short:
                k = 1
            if p is people[20] and m == 4:
                k = 1  # died on 10 April
            days = sorted(R.sample(range((last - first).days + 1), min(k, (last - first).days + 1)))
            for d in days:
                vd = first + timedelta(days=d)
                w = worker
                if w == "G07" and m == 5:
                    w = "G08"  # reassigned in May, after the certificate had lapsed
                visits.append(
                    [
                        vd,
                        p["town"],
                        p["id"],
                        p["name"],
                        f"{R.choice([8, 9, 10, 14, 15])}:{R.choice(['00', '30'])}",
                        R.choice([60, 60, 75, 90, 90, 120]),
                        R.choices(SERVICE_TYPES, SERVICE_WEIGHTS)[0],
                        w,
                        "是",
                    ]
                )
    visits.sort(key=lambda v: (v[0], v[1], v[2]))
    vrows, seq = [], {}
    for v in visits:
        seq[v[0]] = seq.get(v[0], 0) + 1
        vrows.append([f"FW{v[0]:%Y%m%d}{seq[v[0]]:02d}", v[2], v[3], cn_date(v[0]), v[4], v[5], v[6], v[7], v[8]])
    write_csv(
        out / "上门服务记录.csv",
        [
            "服务单号",
            "服务对象身份证号",
            "服务对象姓名",
            "服务日期",
            "开始时间",
            "服务时长（分钟）",
            "服务项目",
            "服务人员工号",
            "是否签字确认",
        ],
        vrows,
        "gbk",
    )
    manifest["visit_log"] = {"file": "上门服务记录.csv"}  # GBK, detected by the tool as it must be for real submissions

    # ---------------------------------------------------------------- training
    ids = [w[0] for w in workers]
    sessions = [
        ("PX-01", date(2024, 2, 26), 3, "岗前培训：服务规范与安全", ids),
        ("PX-02", date(2024, 3, 14), 2, "生活照料与助浴技能", ids[:5] + ids[7:]),
        ("PX-03", date(2024, 4, 11), 2, "老年人健康监测与常见病识别", ids[3:]),
        ("PX-04", date(2024, 4, 25), 2, "精神慰藉与沟通技巧", ids[:3] + ids[5:7]),
        ("PX-05", date(2024, 5, 16), 2, "应急处置（补训）", ids[::2]),
    ]
    write_yaml(
        out / "服务人员培训记录.yaml",
        [
            {
                "期次编号": s,
                "培训日期": cn_date(d),
                "学时": h,
                "培训主题": t,
                "授课人": "县养老服务指导中心讲师",
                "参训人员工号": "、".join(a),
                "签到表": f"签到表/{s}.pdf",
            }
            for s, d, h, t, a in sessions
        ],
    )
    manifest["training_sessions"] = {"file": "服务人员培训记录.yaml"}

    # ---------------------------------------------------------------- follow-up calls: one row per respondent
    unhappy = {(2024, 3): 1, (2024, 4): 4, (2024, 5): 1}  # April: 32/36 = 88.9% (monthly form fails); all: 102/108
    srows = []
    for y, m in MONTHS:
        first, last = date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])
        on_roll = [
            p
            for p in people
            if p is not hospital
            and p["enrolled"] <= last
            and (p["exit"] is None or p["exit"] > first + timedelta(days=14))
        ]
        called = R.sample(on_roll, 36)
        bad = set(range(unhappy[(y, m)]))
        for j, p in enumerate(called):
            srows.append(
                [
                    f"HF{y}{m:02d}{j + 1:03d}",
                    p["id"],
                    day(date(y, m, 20), last),
                    R.choice(["电话", "电话", "电话", "入户"]),
                    "不满意" if j in bad else R.choice(["满意", "满意", "满意", "基本满意"]),
                    R.choice(["回访员甲", "回访员乙"]),
                ]
            )
    write_csv(
        out / "回访满意度记录.csv",
        ["回访编号", "公民身份号码", "回访日期", "回访方式", "总体评价", "回访人"],
        srows,
        "utf-8-sig",
    )
    manifest["satisfaction_survey"] = {"file": "回访满意度记录.csv"}

    # ---------------------------------------------------------------- complaints
    cps = [
        (
            "TS-001",
            date(2024, 3, 12),
            people[3],
            "助餐送达时间晚",
            date(2024, 3, 12),
            date(2024, 3, 15),
            "调整送餐路线",
        ),
        (
            "TS-002",
            date(2024, 4, 2),
            people[12],
            "服务人员未按约定时间上门",
            date(2024, 4, 3),
            date(2024, 4, 8),
            "批评教育，重新排班",
        ),
        (
            "TS-003",
            date(2024, 4, 18),
            people[26],
            "助洁不彻底",
            date(2024, 4, 22),
            date(2024, 4, 26),
            "返工并致歉",
        ),  # 4 days (3.S3 fails)
        (
            "TS-004",
            date(2024, 5, 20),
            people[44],
            "希望增加助浴次数",
            date(2024, 5, 21),
            date(2024, 5, 24),
            "已增加至每月 1 次",
        ),
    ]
    write_json(
        out / "投诉处理记录.json",
        [
            {
                "投诉编号": c,
                "受理日期": cn_date(r),
                "投诉人身份证号": p["id"],
                "投诉内容": s,
                "首次响应日期": cn_date(a),
                "办结日期": cn_date(z),
                "处理结果": o,
            }
            for c, r, p, s, a, z, o in cps
        ],
    )
    manifest["complaints"] = {"file": "投诉处理记录.json"}

    # ---------------------------------------------------------------- reports
    docs = [
        ("服务月报", "2024年3月服务月报", date(2024, 3, 1), date(2024, 3, 31), date(2024, 4, 3)),
        ("服务月报", "2024年4月服务月报", date(2024, 4, 1), date(2024, 4, 30), date(2024, 5, 5)),
        (
            "服务月报",
            "2024年5月服务月报",
            date(2024, 5, 1),
            date(2024, 5, 31),
            date(2024, 6, 11),
        ),  # late (3.S4-timely fails)
        (
            "项目总结报告",
            "青禾县2024年居家养老上门服务项目总结报告",
            date(2024, 3, 1),
            date(2024, 5, 31),
            date(2024, 6, 14),
        ),
    ]
    write_yaml(
        out / "月报及总结报告.yaml",
        [
            {
                "文件类型": t,
                "标题": ti,
                "所属月份": f"{a:%Y-%m-%d}",
                "统计截止日": f"{b:%Y-%m-%d}",
                "报送日期": cn_date(s),
                "文件": f"报告/{ti}.pdf",
            }
            for t, ti, a, b, s in docs
        ],
    )
    manifest["documents"] = {"file": "月报及总结报告.yaml"}

    write_csv(
        out / "中标标的明细.csv",
        ["品目号", "品目名称", "单价（元）", "数量", "单位", "总价（元）"],
        [
            ["1", "居家上门服务", "7,200.00", "65.00", "人", "468,000.00"],
            ["2", "服务人员培训", "36,000.00", "1.00", "项", "36,000.00"],
            ["3", "服务回访与质量管理", "24,000.00", "1.00", "项", "24,000.00"],
        ],
        "utf-8",
    )
    manifest["contract_lines"] = {"file": "中标标的明细.csv"}
    return manifest


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    manifest = build(out)
    doc = {
        "submission": {
            "title": f"{PROJECT} 履约验收材料（样例，由 examples/home-care-visits/generate.py 生成）",
            "supplier": SUPPLIER,
            "project_no": PROJECT,
            "submitted": "2024-06-16",
        },
        "datasets": dict(sorted(manifest.items())),
    }
    (out / "manifest.yaml").write_text(
        "# 证据清单：每个数据集的文件。由 examples/home-care-visits/generate.py 生成。\n"
        + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False),
        "utf-8",
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "evidence")
