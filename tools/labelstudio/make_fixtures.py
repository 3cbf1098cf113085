#!/usr/bin/env python3
"""Writes tests/fixtures/labelstudio/: a Label Studio export and label-studio-converter's output.

Run through tools/labelstudio/run.sh, which installs the pinned converter first. The output is
deterministic, so re-running gives byte-identical files and a diff shows what an upgrade changed.

Files written:
  export.json         a Label Studio JSON export written here, following Label Studio's
                      documented task format: tasks with "id", "data": {"text"}, "annotations"
                      with "id", "completed_by" (a user id, or a user object with an email),
                      "was_cancelled", "created_at" and "result"; "labels" results with a
                      region "id", "from_name", "to_name", "type" and "value" {"start", "end",
                      "text", "labels"}; "relation" results with "from_id", "to_id",
                      "direction" and "labels" (empty: Label Studio's default). Offsets are
                      Python string indices (code points), found with str.index here.
  label_config.xml    the labeling config the export belongs to
  converter.conll     label-studio-converter's CONLL2003 export of export.json
  converter-min.json  label-studio-converter's JSON_MIN export of export.json
  README.md           the versions that made them

Emoji (astral-plane characters, a flag, a skin tone, a ZWJ sequence) come before spans, where
code points and UTF-16 units differ. tests/tests/label_studio.rs reads export.json with goldspan
and checks its entities equal the converter's CoNLL tags and its JSON-MIN regions.
"""

import json
import shutil
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

from label_studio_converter import Converter

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fixtures" / "labelstudio"

CONFIG = """<View>
  <Labels name="label" toName="text">
    <Label value="PERSON"/>
    <Label value="GPE"/>
    <Label value="ORG"/>
    <Label value="DATE"/>
    <Label value="Quote"/>
    <Label value="Cue"/>
    <Label value="Source"/>
  </Labels>
  <Relations>
    <Relation value="speaker"/>
    <Relation value="cue"/>
  </Relations>
  <Text name="text" value="$text"/>
</View>
"""

ANN = {"id": 1, "email": "ann@example.com", "first_name": "Ann", "last_name": "A."}
BOB = 2  # exports without user details give the user id alone


def region(text, rid, covered, label, occurrence=0):
    """A labels result over the occurrence-th `covered` in `text`, offsets in code points."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(covered, start + 1)
    return {
        "id": rid,
        "from_name": "label",
        "to_name": "text",
        "type": "labels",
        "origin": "manual",
        "value": {"start": start, "end": start + len(covered), "text": covered, "labels": [label]},
    }


def relation(from_id, to_id, labels=(), direction="right"):
    return {"from_id": from_id, "to_id": to_id, "type": "relation", "direction": direction, "labels": list(labels)}


def annotation(aid, who, created, result, cancelled=False):
    return {
        "id": aid,
        "completed_by": who,
        "result": result,
        "was_cancelled": cancelled,
        "ground_truth": False,
        "created_at": created,
        "updated_at": created,
        "lead_time": 12.5,
        "task": None,
    }


def task(tid, text, annotations):
    for a in annotations:
        a["task"] = tid
    return {"id": tid, "data": {"text": text}, "annotations": annotations, "predictions": [], "project": 1}


def export():
    t1 = "😀 Update: “We will deliver,” Liz Truss told 🇬🇧 reporters in London."
    t2 = "Zoë Brandt met 李雷 in Kyoto 🎌 on Monday."
    t3 = "Nothing to see here 🙈."
    t4 = "👩🏽‍💻 Engineers at Acme Corp walked out, 👍🏽 said Ines Moreau."
    return [
        task(1, t1, [annotation(101, ANN, "2024-05-01T09:00:00.000000Z", [
            region(t1, "qT0bV9mYk1", "We will deliver", "Quote"),
            region(t1, "s8Hn2LpQx3", "Liz Truss", "Source"),
            region(t1, "cW4e7RtZu5", "told", "Cue"),
            region(t1, "gE1k0JmNa7", "London", "GPE"),
            relation("qT0bV9mYk1", "s8Hn2LpQx3"),
            relation("qT0bV9mYk1", "cW4e7RtZu5", ["cue"]),
        ])]),
        task(2, t2, [
            annotation(201, ANN, "2024-05-02T10:00:00.000000Z", [
                region(t2, "p1Zo3BrAnd", "Zoë Brandt", "PERSON"),
                region(t2, "p2LiLeiXyz", "李雷", "PERSON"),
                region(t2, "g1Ky0toAbc", "Kyoto", "GPE"),
                region(t2, "d1MonDayQq", "Monday", "DATE"),
            ]),
            annotation(202, BOB, "2024-05-03T10:00:00.000000Z", [
                region(t2, "bZoeBrandt", "Zoë Brandt", "PERSON"),
                region(t2, "bLiLeiOrg1", "李雷", "ORG"),
                region(t2, "bKyotoGpe1", "Kyoto", "GPE"),
            ]),
            annotation(203, 3, "2024-05-04T10:00:00.000000Z", [
                region(t2, "xCancelled", "Monday", "PERSON"),
            ], cancelled=True),
        ]),
        task(3, t3, [annotation(301, ANN, "2024-05-05T10:00:00.000000Z", [])]),
        task(4, t4, [annotation(401, BOB, "2024-05-06T10:00:00.000000Z", [
            region(t4, "oAcmeCorp1", "Acme Corp", "ORG"),
            region(t4, "pInesMor01", "Ines Moreau", "PERSON"),
        ])]),
    ]


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    tasks = export()
    (OUT / "export.json").write_text(json.dumps(tasks, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (OUT / "label_config.xml").write_text(CONFIG, encoding="utf-8")
    converter = Converter(CONFIG, project_dir=None, download_resources=False)
    for fmt, produced, name in [("CONLL2003", "result.conll", "converter.conll"),
                                ("JSON_MIN", "result.json", "converter-min.json")]:
        with tempfile.TemporaryDirectory() as tmp:
            converter.convert(str(OUT / "export.json"), tmp, fmt, is_dir=False)
            shutil.copyfile(Path(tmp) / produced, OUT / name)
    versions = {name: version(name) for name in ["label-studio-converter", "nltk"]}
    lines = ["# Label Studio cross-check fixtures", "",
             "Written by `tools/labelstudio/run.sh` (see `tools/labelstudio/make_fixtures.py`) with "
             f"Python {sys.version_info.major}.{sys.version_info.minor} and:", ""]
    lines += [f"- {name} {v}" for name, v in sorted(versions.items())]
    lines += ["", "Read by `tests/tests/label_studio.rs`. Do not edit by hand: re-run the script.", ""]
    (OUT / "README.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
