"""(e) of bench/run.py: the big datasets' rules as one DuckDB SQL script.

    python bench/duckdb_baseline.py SUBMISSION_DIR

The same rules and output as bench/pandas_baseline.py (C.5-roster, C.5-assessments, 1-1.D1, 1-1.D1-reports,
1-1.S1a, 1-1.S1b, 1-1.S1c, 1-1.S1c-sample, 1-1.S1d, 1-1.S1e, 1-1.D3-spotcheck, 1-1.S4b), one JSON object on stdout.
CSV files are read with read_csv(all_varchar = true); everything else is SQL: ID numbers (shape, GB 11643 check
character, birth date, age), the date spellings the generator writes (2022-10-31, 2022/10/31, 2022.10.31,
2022年10月31日, 20221031), yes words, membership and distinct counts on the normalised text.

DuckDB reads only UTF-8 (and UTF-16/Latin-1) without its `encodings` extension, which is downloaded on first use; a
CSV in another encoding (the bundled re-check table is GB18030, and `run.py --gbk` writes the big tables so) is
transcoded here to a temporary UTF-8 file, 16 MB at a time, and that time is counted. XLSX is not supported (the
`excel` extension is a download too): the script exits 3 and says so.
"""

from __future__ import annotations

import codecs
import json
import sys
import tempfile
from pathlib import Path

import duckdb
import yaml

W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_HEADERS = ["公民身份号码", "身份证号", "身份证号码", "公民身份证号"]
TRUE_WORDS = ["是", "有", "√", "✓", "✔", "y", "yes", "true", "t", "1", "达标", "合格", "已注册", "已签收", "签收", "已发放", "对", "已完成", "完成"]
UNSUPPORTED = 3


def q(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def utf8_file(f: Path, tmp: Path) -> tuple[Path, str]:
    """The file itself if it is UTF-8, else a transcoded copy; and its header line."""
    with f.open("rb") as fh:
        head = fh.read(1 << 20)
    try:
        head[: head.rfind(b"\n") if len(head) == 1 << 20 else len(head)].decode("utf-8")
        return f, head.decode("utf-8", "ignore").lstrip("\ufeff").splitlines()[0]
    except UnicodeDecodeError:
        pass
    out = tmp / (f.stem + ".utf8.csv")
    dec = codecs.getincrementaldecoder("gb18030")()
    with f.open("rb") as src, out.open("wb") as dst:
        while chunk := src.read(16 << 20):
            dst.write(dec.decode(chunk).encode("utf-8"))
        dst.write(dec.decode(b"", final=True).encode("utf-8"))
    return out, head.decode("gb18030", "replace").splitlines()[0]


def source(root: Path, manifest: dict, name: str, tmp: Path, columns: dict[str, str | list[str]]) -> str:
    """SELECT list over read_csv for a dataset: {alias: header or [header and its aliases]}."""
    f = root / manifest["datasets"][name]["file"]
    if f.suffix != ".csv":
        print(f"duckdb baseline: {f.name} is {f.suffix}, not supported (CSV only)", file=sys.stderr)
        sys.exit(UNSUPPORTED)
    f, header = utf8_file(f, tmp)
    present = [h.strip().strip('"') for h in header.split(",")]
    cols = []
    for alias, h in columns.items():
        found = next((x for x in ([h] if isinstance(h, str) else h) if x in present), None)
        cols.append(f'"{found}" AS raw_{alias}' if found else f"NULL::VARCHAR AS raw_{alias}")
    return f"SELECT {', '.join(cols)} FROM read_csv({q(str(f))}, all_varchar = true, header = true)"


def main(root: Path) -> None:
    manifest = yaml.safe_load((root / "manifest.yaml").read_text("utf-8"))
    tmpdir = tempfile.TemporaryDirectory(prefix="cc-duckdb-")
    tmp = Path(tmpdir.name)
    con = duckdb.connect()
    # GB 11643: the 17 digits as one BIGINT, each digit by integer arithmetic (cheaper than 17 substrings)
    checksum = " + ".join(f"{w} * (x17 // {10 ** (16 - k)} % 10)" for k, w in enumerate(W))
    con.execute(f"""
    CREATE MACRO nt(x) AS nullif(trim(x), '');
    CREATE MACRO nid(x) AS nullif(upper(trim(x)), '');
    CREATE MACRO id_valid(s, x17, b) AS coalesce(b IS NOT NULL AND year(b) >= 1880 AND '10X98765432'[({checksum}) % 11 + 1] = s[18], false);
    CREATE MACRO x17(s) AS CASE WHEN regexp_full_match(s, '\\d{{17}}[\\dX]') THEN s[1:17]::BIGINT END;
    CREATE MACRO born(s, x17) AS CASE WHEN x17 IS NOT NULL THEN try_strptime(s[7:14], '%Y%m%d')::DATE END;
    CREATE MACRO age_at(b, y, m, d) AS y - year(b) - CASE WHEN m * 100 + d < month(b) * 100 + day(b) THEN 1 ELSE 0 END;
    CREATE MACRO pdate(x) AS CASE
        WHEN contains(x, '年') THEN try_strptime(rtrim(trim(x), '日号'), '%Y年%m月%d')
        WHEN contains(x, '-') THEN try_strptime(trim(x), '%Y-%m-%d')
        WHEN contains(x, '/') THEN try_strptime(trim(x), '%Y/%m/%d')
        WHEN contains(x, '.') THEN try_strptime(trim(x), '%Y.%m.%d')
        WHEN regexp_full_match(trim(x), '\\d{{8}}') THEN try_strptime(trim(x), '%Y%m%d')
        END::DATE;
    CREATE MACRO yes(x) AS coalesce(list_contains([{', '.join(map(q, TRUE_WORDS))}], lower(trim(x))), false);
    """)
    roster = source(root, manifest, "elderly_roster", tmp, {"id": ID_HEADERS, "status": "保障状态（在保/停保）", "flag": "失能情况（失能/部分失能）"})
    ass = source(root, manifest, "elderly_assessments", tmp, {
        "id": ID_HEADERS, "adate": "评估日期", "a1": "评估员1", "a2": "评估员2", "std": "评估标准", "score": "总分", "final": "最终等级",
        "reason": "评估原因", "report_no": "评估报告编号", "rdate": "报告日期", "cert_no": "证明编号", "cdate": "证明发放日期", "signed": "是否签收"})
    rechecks = source(root, manifest, "assessment_rechecks", tmp, {"id": ID_HEADERS, "level": "复核等级"})
    homes = source(root, manifest, "retrofit_households", tmp, {"hh": "户编号"})
    checks = source(root, manifest, "retrofit_spot_checks", tmp, {
        "hh": "户编号", "hdate": "抽检日期", "rc": "改造内容是否核查", "rr": "改造核查结论", "hc": "上门服务是否核查", "hr": "上门服务核查结论"})
    con.execute(f"""
    CREATE TABLE r AS SELECT id, valid, status, flag, CASE WHEN valid THEN age_at(born, 2022, 9, 19) END AS age
      FROM (SELECT *, id_valid(id, x17, born) AS valid
      FROM (SELECT *, born(id, x17) AS born
      FROM (SELECT *, x17(id) AS x17
      FROM (SELECT nid(raw_id) AS id, nt(raw_status) AS status, nt(raw_flag) AS flag FROM ({roster})))));
    CREATE TABLE a AS SELECT rn, id, id_valid(id, x17, born(id, x17)) AS valid, pdate(raw_adate) AS adate, pdate(raw_rdate) AS rdate, pdate(raw_cdate) AS cdate,
        nt(raw_a1) IS NOT NULL AND nt(raw_a2) IS NOT NULL AND nt(raw_a1) <> nt(raw_a2) AS two_assessors,
        coalesce(nt(raw_std), 'MZ/T 039-2013') = 'MZ/T 039-2013' AS mzt, nt(raw_final) AS final, nt(raw_reason) AS reason,
        nt(raw_report_no) IS NOT NULL AS has_report_no, nt(raw_cert_no) IS NOT NULL AS has_cert_no, yes(raw_signed) AS signed,
        CASE WHEN try_cast(replace(trim(raw_score), ',', '') AS DOUBLE) = round(try_cast(replace(trim(raw_score), ',', '') AS DOUBLE))
             THEN try_cast(replace(trim(raw_score), ',', '') AS DOUBLE) END AS score
      FROM (SELECT *, x17(id) AS x17 FROM (SELECT row_number() OVER () AS rn, nid(raw_id) AS id, * EXCLUDE (raw_id) FROM ({ass})));
    CREATE TABLE c AS SELECT nid(raw_id) AS id, nt(raw_level) AS level FROM ({rechecks});
    CREATE TABLE h AS SELECT nt(raw_hh) AS hh FROM ({homes});
    CREATE TABLE s AS SELECT nt(raw_hh) AS hh, pdate(raw_hdate) AS hdate, yes(raw_rc) AS rc, nt(raw_rr) AS rr, yes(raw_hc) AS hc, nt(raw_hr) AS hr FROM ({checks});
    """)
    # rn: the row's number in the file (row_number() over the scan, which DuckDB keeps in file order; the tables' own
    # rowid is not: CREATE TABLE ... AS may insert in parallel out of order), so that lookup() takes the last row of
    # a key as complycheck's lookup() does.
    share = "count(*) FILTER (WHERE ok), count(*)"
    distinct = "count(DISTINCT id) FILTER (WHERE ok) + count(*) FILTER (WHERE id IS NULL AND ok), count(DISTINCT id) + count(*) FILTER (WHERE id IS NULL)"
    start, deadline, end = "DATE '2022-09-19'", "DATE '2022-10-31'", "DATE '2022-11-30'"
    shares = {
        "C.5-roster": f"SELECT {share} FROM (SELECT valid AS ok FROM r)",
        "C.5-assessments": f"SELECT {share} FROM (SELECT valid AS ok FROM a)",
        "1-1.D1": f"SELECT {share} FROM (SELECT adate <= {deadline} AS ok FROM a WHERE adate IS NOT NULL AND reason <> '复评')",
        "1-1.D1-reports": f"""SELECT {share} FROM (SELECT coalesce(rdate, cdate) <= {deadline} AND (cdate IS NULL OR cdate <= {deadline}) AS ok
                              FROM a WHERE rdate IS NOT NULL OR cdate IS NOT NULL)""",
        "1-1.S1a": f"""SELECT {distinct} FROM (
                         SELECT id, id IN (SELECT id FROM a WHERE final IS NOT NULL AND adate BETWEEN {start} AND {deadline}) AS ok
                         FROM r WHERE status = '在保' AND age >= 65 AND flag IN ('失能', '部分失能'))""",
        "1-1.S1b": f"SELECT {distinct} FROM (SELECT id, id IN (SELECT id FROM r WHERE status = '在保' AND age >= 65) AS ok FROM a)",
        "1-1.S1c": f"""SELECT {distinct} FROM (
                         SELECT c.id, c.level = l.final AS ok FROM c
                         LEFT JOIN (SELECT id, arg_max(final, rn) AS final FROM a WHERE id IS NOT NULL GROUP BY id) l ON c.id = l.id)""",
        "1-1.S1d": f"""SELECT {distinct} FROM (SELECT id, has_report_no AND rdate IS NOT NULL AND has_cert_no
                         AND cdate IS NOT NULL AND signed AS ok FROM a WHERE final IS NOT NULL)""",
        "1-1.S1e": f"""SELECT {share} FROM (SELECT two_assessors AND CASE
                         WHEN mzt THEN final IN ('能力完好', '轻度失能', '中度失能', '重度失能') AND score BETWEEN 0 AND 100
                         ELSE final IN ('能力完好', '轻度失能', '中度失能', '重度失能', '完全失能') AND score BETWEEN 0 AND 90 END AS ok FROM a)""",
        "1-1.D3-spotcheck": f"SELECT {share} FROM (SELECT hdate <= {end} AS ok FROM s)",
    }
    counts = {
        "1-1.S1c-sample": "SELECT (SELECT count(DISTINCT id) FROM c), greatest(30, (5 * (SELECT count(DISTINCT id) FROM a) + 99) // 100)",
        "1-1.S4b": f"""SELECT (SELECT count(DISTINCT hh) FROM s WHERE hh IN (SELECT hh FROM h) AND hdate BETWEEN {start} AND {end}
                                AND rc AND rr IS NOT NULL AND hc AND hr IS NOT NULL),
                              (20 * (SELECT count(DISTINCT hh) FROM h) + 99) // 100""",
    }
    out: dict[str, dict] = {}
    for rule, sql in shares.items():
        num, den = con.execute(sql).fetchone()
        out[rule] = {"numerator": int(num), "denominator": int(den)}
    for rule, sql in counts.items():
        value, minimum = con.execute(sql).fetchone()
        out[rule] = {"value": int(value), "min": int(minimum)}
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
