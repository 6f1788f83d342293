"""Typing a table a batch of records at a time (how a large CSV streams from disk) gives the same table and the
same problems as typing it whole, on both the streamed large-file path and the in-memory one."""

from __future__ import annotations

import random
from pathlib import Path

import polars as pl
import pytest

from complycheck.evidence import csvfiles, load_evidence, tables
from complycheck.pack import load_pack_texts
from conftest import CONTRACT, make_id

EXTRA = """
  graded:
    title: 评级表
    columns:
      id_number: {type: id_number, header: 公民身份号码, personal: id_number}
      name: {type: string, header: 姓名, personal: name}
      level: {type: string, header: 等级, values: [一级, 二级, 三级]}
      day: {type: date, header: 日期}
      ok: {type: boolean, header: 是否合格}
      amount: {type: decimal, header: 金额}
      n: {type: integer, header: 次数}
      tags: {type: list, header: 标签}
"""


def _pack():
    return load_pack_texts({"contract.yaml": CONTRACT + EXTRA, "rules.yaml": "rules: []\n"})


def _csv(n: int, seed: int = 7, late_ragged: bool = False) -> bytes:
    """A messy submission: a title row, blank rows, a total row, unreadable and disallowed cells spread through the
    file, decimals whose scale grows late, IDs that need normalising or are corrupted, full-width text."""
    rnd = random.Random(seed)
    out = ["2022年度评级表（单位：元）,,,,,,,", "公民身份号码,姓名,等级,日期,是否合格,金额,次数,标签"]
    for i in range(n):
        pid = make_id(born=f"19{rnd.randint(20, 57)}0{rnd.randint(1, 9)}1{rnd.randint(0, 9)}", seq=i % 997)
        if i % 501 == 3:
            pid = pid[:-1] + ("x" if pid[-1] == "X" else pid[-1]) + " "
        if i % 733 == 5:
            pid = "1.50502E+17"
        level = rnd.choice(["一级", "二级", "三级", "三级 ", "四级", "五级" if i > n // 2 else "一级", ""])
        day = rnd.choice(
            ["2022-10-01", "2022年10月3日", "2022/10/5", "44865", "2022-13-45" if i % 97 == 0 else "2022-11-01", ""]
        )
        ok = rnd.choice(["是", "否", "√", "", "也许" if i % 89 == 0 else "是"])
        amount = rnd.choice(
            ["1.5", "1,429,200.00", "77.23万元", "", "2.125" if i > 2 * n // 3 else "3", "abc" if i % 61 == 0 else "4"]
        )
        name = rnd.choice(["王芳", "ＡＢＣ服务社", "李—娜", "张三"])
        tags = rnd.choice(["党建、财务", "", "财务"])
        row = [pid, name, level, day, ok, amount, str(rnd.randint(0, 9)), tags]
        out.append(",".join(f'"{c}"' if "," in c else c for c in row))
        if i % 1000 == 999:
            out.append(",,,,,,,")
        if i == n // 2:
            out.append("小计,,,,,,,")
    out.append("合计,,,,,,,")  # what follows a grand total is not data (#13.6): it closes the table
    if late_ragged:
        out[-3] += ",多出来的,单元格"
    return ("\r\n".join(out) + "\r\n").encode("utf-8")


def _load(tmp: Path, data: bytes, name: str = "a.csv"):
    import yaml

    tmp = tmp / name.replace(".", "_")  # a folder per file: another file beside it would be one the manifest forgot
    tmp.mkdir(exist_ok=True)
    (tmp / name).write_bytes(data)
    (tmp / "manifest.yaml").write_text(
        yaml.safe_dump({"datasets": {"graded": {"file": name}}}, allow_unicode=True), "utf-8"
    )
    ev = load_evidence(tmp, _pack().datasets)
    return ev.tables["graded"].frame, [(p.row, p.column, p.message, p.level) for p in ev.problems]


@pytest.mark.parametrize("rows,batch", [(40, 3), (40, 1), (20_000, 777)])
def test_batches_change_nothing(tmp_path, monkeypatch, rows, batch):
    data = _csv(rows)
    assert (len(data) >= csvfiles.FAST_CSV_BYTES) == (rows > 1000)  # the large one takes the streamed path
    whole_frame, whole_problems = _load(tmp_path, data)
    monkeypatch.setattr(tables, "BATCH_ROWS", batch)
    frame, problems = _load(tmp_path, data)
    assert frame.equals(whole_frame) and frame.schema == whole_frame.schema
    assert problems == whole_problems
    # the messy cells really were there and reported once each, whatever the batching
    assert frame.height == rows and frame.schema["amount"] == pl.Decimal(38, 3)
    assert any("不在可选值" in m and "五级" in m for _, _, m, _ in problems)
    assert any("合计" in m for _, _, m, _ in problems)
    assert any("科学计数法" in m for _, _, m, _ in problems)
    if rows > 1000:
        assert (
            sum(1 for _, c, m, _ in problems if c == "日期" and m.startswith("无法读取"))
            == tables.MAX_PROBLEMS_PER_COLUMN
        )
        assert any(c == "日期" and "另有" in m for _, c, m, _ in problems)


def test_a_ragged_line_late_in_a_large_file_falls_back_to_the_exact_reader(tmp_path, monkeypatch):
    data = _csv(20_000, late_ragged=True)
    monkeypatch.setattr(tables, "BATCH_ROWS", 1000)
    frame, problems = _load(tmp_path, data)
    assert frame.height == 20_000
    ragged = [r for r, _, m, _ in problems if "超出表头" in m]
    assert len(ragged) == 1 and ragged[0] == data.decode("utf-8").count("\r\n") - 2  # the record of the extra cells


def test_a_large_gbk_csv_is_transcoded_in_chunks_and_reads_like_utf8(tmp_path, monkeypatch):
    """Excel on Chinese Windows saves GBK: a large one is transcoded to a private temporary file a chunk at a time
    (the whole text is never a Python string), read like the UTF-8 file, and the copy is removed afterwards."""
    import tempfile

    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    text = _csv(20_000).decode("utf-8")
    utf8_frame, utf8_problems = _load(tmp_path, text.encode("utf-8"), "u.csv")
    gbk = text.encode("gbk")
    assert len(gbk) >= csvfiles.FAST_CSV_BYTES
    seen = []
    transcode = csvfiles._transcode
    monkeypatch.setattr(csvfiles, "_transcode", lambda p, e: seen.append(e) or transcode(p, e))
    frame, problems = _load(tmp_path, gbk, "g.csv")
    assert seen == ["gb18030"] and frame.equals(utf8_frame)
    assert problems == utf8_problems
    assert list(spool.iterdir()) == []  # the UTF-8 copy is gone


def test_a_large_gbk_csv_with_a_broken_byte_names_its_line(tmp_path):
    from complycheck.errors import ComplycheckError

    text = _csv(20_000).decode("utf-8").encode("gbk")
    cut = text.index(b"\r\n", len(text) // 2) + 2
    line = text.count(b"\r\n", 0, cut) + 1
    with pytest.raises(ComplycheckError) as e:
        _load(tmp_path, text[:cut] + b"\x81\x20" + text[cut:], "g.csv")
    assert f"第 {line} 行" in e.value.render("zh")


def test_a_large_utf16_tab_separated_file_goes_through_the_same_transcoding(tmp_path, monkeypatch):
    """Excel's "Unicode text" export: UTF-16 with a BOM, tab-separated. Transcoded like GBK, read like UTF-8."""
    text = _csv(20_000).decode("utf-8")
    utf8_frame, utf8_problems = _load(tmp_path, text.encode("utf-8"), "u.csv")
    tabbed = "\r\n".join(line.replace('"1,429,200.00"', "1429200.00").replace(",", "\t") for line in text.split("\r\n"))
    seen = []
    transcode = csvfiles._transcode
    monkeypatch.setattr(csvfiles, "_transcode", lambda p, e: seen.append(e) or transcode(p, e))
    frame, problems = _load(tmp_path, tabbed.encode("utf-16"), "t.txt")
    assert seen == ["utf-16"] and frame.height == utf8_frame.height
    assert frame.drop("amount").equals(utf8_frame.drop("amount")) and problems == utf8_problems
