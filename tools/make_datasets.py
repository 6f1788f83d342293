"""Write rules/datasets.yaml from the dataset catalogue in rules/catalogue/clauses.yaml.

The catalogue's dataset and column keys become the pack's names, so evidence prepared against the
catalogue loads as it is. Run once when the catalogue changes; the output is meant to be edited.
"""

import re
import sys
from pathlib import Path

import yaml

PERSON_DATASETS = {"elderly_roster", "elderly_assessments", "caregiver_trainees", "sw_trainees", "activity_participants",
                   "service_recipients", "backbone_roster", "volunteers", "nvsis_export", "needy_residents"}
# Headers seen in real exports besides the catalogue's own (first-row and two-row merged forms).
ALIASES = {
    "id_number": ["身份证号", "身份证号码", "公民身份证号"],
    "head_id_number": ["户主身份证号"],
    "client_id_number": ["服务对象身份证号"],
    "beds": ["床位数/总数"],
    "nursing_beds": ["床位数/其中护理型", "其中护理型床位"],
    "staff": ["工作人员数/总数"],
    "nursing_staff": ["工作人员数/其中护理人员", "其中护理人员"],
    "district": ["旗县区", "所属旗县", "旗县（市区）"],
}
# Key columns without which a file cannot be used: a missing one is an input error, not a blank column.
REQUIRED_IN = {(ds, "id_number") for ds in ("elderly_roster", "elderly_assessments", "assessment_rechecks", "caregiver_trainees", "sw_trainees",
                                            "service_recipients", "needs_assessments", "volunteers", "needy_residents", "needs_surveys")}
REQUIRED_IN |= {("retrofit_households", "household_id"), ("retrofit_spot_checks", "household_id"), ("centre_list", "centre_id"),
                ("centre_evaluations", "centre_id"), ("institution_registry", "uscc"), ("institution_survey", "uscc"), ("org_eval_list", "uscc"),
                ("org_evaluations", "uscc"), ("sw_stations", "station_id"), ("case_files", "case_id"), ("community_activities", "activity_id"),
                ("activity_participants", "activity_id"), ("training_sessions", "session_id"), ("training_sessions", "line_item"),
                ("documents", "doc_type"), ("documents", "line_item"), ("attestations", "type"), ("attestations", "line_item"),
                ("contract_lines", "line_item"), ("contract_lines", "total")}
OWNER = {"bureau": "bureau", "supplier": "supplier", "document": "document"}


def col_type(key: str, spec: str) -> tuple[str, list[str]]:
    s = spec.strip()
    if "id_number" in key or "client_id" in key or key == "head_id_number":
        return "id_number", []
    m = re.match(r"enum\((.*)\)", s)
    if m:
        inner = m.group(1)
        return "string", [v.strip() for v in (inner.split(",") if "," in inner else inner.split("/"))]
    if s.startswith("bool"):
        return "boolean", []
    if s.startswith("decimal"):
        return "decimal", []
    if s.startswith("int"):
        return "integer", []
    if s.startswith("date"):
        return "date", []
    if s.startswith("list"):
        return "list", []
    return "string", []


def main(src: Path, out: Path) -> None:
    cat = yaml.safe_load(src.read_text("utf-8"))
    datasets = {}
    for name, d in cat["datasets"].items():
        cols = {}
        for c in d["columns"]:
            key, label, spec = [p.strip() for p in c.split("|")]
            zh, _, en = label.partition(" / ")
            key = key.replace("id_number_masked_or_full", "id_number_masked")
            t, values = col_type(key if key != "id_number_masked" else "x", spec)
            entry = {"type": t, "header": zh.strip(), "header_en": en.strip()}
            if values:
                entry["values"] = values
            if key in ALIASES:
                entry["aliases"] = ALIASES[key]
            if (name, key) in REQUIRED_IN:
                entry["required"] = True
            if t == "id_number":
                entry["personal"] = "id_number"
            elif key == "name" and name in PERSON_DATASETS:
                entry["personal"] = "name"
            elif key == "id_number_masked":
                entry["personal"] = "other"
            cols[key] = entry
        owner = d.get("owner", "supplier").split()[0]
        datasets[name] = {"title": d["zh"], "owner": OWNER.get(owner, "supplier" if "supplier" in owner else "third_party"), "columns": cols}
    text = "# Evidence datasets of the TLSZCS-C-F-220141 pack (first written by tools/make_datasets.py, then edited).\n"
    class NoAliases(yaml.SafeDumper):
        def ignore_aliases(self, data):
            return True
    text += yaml.dump({"datasets": datasets}, Dumper=NoAliases, allow_unicode=True, sort_keys=False, width=200, default_flow_style=None)
    out.write_text(text, "utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
