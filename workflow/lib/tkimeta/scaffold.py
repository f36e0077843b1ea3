"""Scaffold a new study: its folder of raw tables (headers from the schemas) and its
entry in config.yaml (appended under ``studies:``, the file's comments kept).

    .venv/bin/python -m tkimeta.scaffold <study_id> --seed-file 005_0123456789abcdef.txt \\
        --label "Drug + PD-1, mCRC (phase 2)" --cancer colorectal --role single_arm [--ocr]

See docs/adding-a-study.md for what to type into the tables afterwards.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

from .validate import SCHEMA_DIR, load_schema

#: Tables written for each role: a single-arm study's outcome tables, a context
#: study's (network meta-analysis) effects and rankings. ``characteristics`` always.
ROLE_TABLES = {
    "single_arm": ["characteristics", "baseline", "response", "rates", "survival", "landmarks", "effects",
                   "adverse_events", "ae_term_map"],
    "context": ["characteristics", "effects", "rankings"],
}
#: Tables the workflow needs for a study of each role (the rest are optional: a study
#: has only the tables it has data for).
REQUIRED_TABLES = {"single_arm": ["characteristics"], "context": ["characteristics", "effects"]}

_ID = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
_SEED = re.compile(r"^[0-9]{3}_[0-9a-f]{16}\.txt$")
_TOKEN = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)*$")


class ScaffoldError(ValueError):
    pass


def header(kind: str, schema_dir: Path = SCHEMA_DIR) -> list[str]:
    """The columns of one raw table, in the order its schema defines them."""
    schema, _ = load_schema(kind, schema_dir)
    return list(schema["properties"])


def config_entry(study_id: str, seed_file: str, label: str, cancer: str, role: str, ocr: bool) -> str:
    """The YAML lines of one study under ``studies:`` (two-space indent, as config.yaml)."""
    def quoted(text: str) -> str:
        return yaml.safe_dump(text, default_style=None, width=1000).strip().removesuffix("...").strip()
    return (f"  {study_id}:\n"
            f"    seed_file: {seed_file}\n"
            f"    label: {quoted(label)}\n"
            f"    cancer: {cancer}\n"
            f"    role: {role}\n"
            f"    ocr: {'true' if ocr else 'false'}\n")


def append_to_config(text: str, entry: str) -> str:
    """``text`` (config.yaml) with ``entry`` added as the last study of ``studies:``.

    Only lines are inserted: comments, order and formatting of the rest are kept.
    """
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(r"^studies:\s*(#.*)?$", line)), None)
    if start is None:
        raise ScaffoldError("config.yaml has no top-level 'studies:' block")
    last = start
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if line.strip() == "" or line.lstrip().startswith("#"):
            continue
        if not line.startswith((" ", "\t")):  # the next top-level key
            break
        last = i
    if not lines[last].endswith("\n"):
        lines[last] += "\n"
    return "".join(lines[: last + 1]) + entry + "".join(lines[last + 1:])


def scaffold(root: Path, study_id: str, seed_file: str, label: str, cancer: str, role: str = "single_arm",
             ocr: bool = False, config_path: Path | None = None) -> list[Path]:
    """Create ``<raw_dir>/<study_id>/`` with header-only tables and register the study.

    Refuses (ScaffoldError, nothing written) if the id is malformed or taken, or the
    folder exists.
    """
    root = Path(root)
    config_path = config_path or root / "config.yaml"
    if not _ID.match(study_id) or len(study_id) > 40:
        raise ScaffoldError(f"study id '{study_id}': use lowercase letters, digits and single '_' (e.g. regor_crc), at most 40")
    if not _SEED.match(seed_file):
        raise ScaffoldError(f"seed file '{seed_file}': expected the seed's file name, e.g. 005_0123456789abcdef.txt")
    if not _TOKEN.match(cancer):
        raise ScaffoldError(f"cancer '{cancer}': snake_case, e.g. colorectal, soft_tissue_sarcoma")
    if role not in ROLE_TABLES:
        raise ScaffoldError(f"role '{role}': one of {', '.join(ROLE_TABLES)}")
    if not 3 <= len(label) <= 80:
        raise ScaffoldError("label: 3 to 80 characters (it names the study in tables and figures)")
    text = config_path.read_text(encoding="utf-8")
    config = yaml.safe_load(text)
    if study_id in (config.get("studies") or {}):
        raise ScaffoldError(f"'{study_id}' is already registered in {config_path.name} under 'studies'")
    folder = root / config.get("raw_dir", "data/raw") / study_id
    if folder.exists():
        raise ScaffoldError(f"{folder} already exists")
    new_text = append_to_config(text, config_entry(study_id, seed_file, label, cancer, role, ocr))
    if study_id not in (yaml.safe_load(new_text).get("studies") or {}):  # pragma: no cover - defensive
        raise ScaffoldError("could not add the entry to config.yaml; add it by hand under 'studies'")
    folder.mkdir(parents=True)
    written = []
    for kind in ROLE_TABLES[role]:
        path = folder / f"{kind}.csv"
        path.write_text(",".join(header(kind)) + "\n", encoding="utf-8")
        written.append(path)
    config_path.write_text(new_text, encoding="utf-8")
    return written + [config_path]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tkimeta.scaffold", description=__doc__.split("\n\n")[0])
    parser.add_argument("study_id")
    parser.add_argument("--seed-file", required=True)
    parser.add_argument("--label", required=True)
    parser.add_argument("--cancer", required=True)
    parser.add_argument("--role", default="single_arm", choices=sorted(ROLE_TABLES))
    parser.add_argument("--ocr", action="store_true", help="let the cleaning rule repair OCR-damaged digits (logged)")
    parser.add_argument("--root", default=".", help="the project folder (holding config.yaml)")
    args = parser.parse_args(argv)
    try:
        written = scaffold(Path(args.root), args.study_id, args.seed_file, args.label, args.cancer, args.role, args.ocr)
    except ScaffoldError as err:
        print(f"scaffold: {err}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    required = ", ".join(f"{t}.csv" for t in REQUIRED_TABLES[args.role])
    print(f"next: type the paper's numbers into the tables (required: {required}; delete tables it has no data for); "
          f"see docs/adding-a-study.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
