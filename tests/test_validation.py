"""Raw-data validation: the real tables pass; each class of bad input fails loudly,
naming the file, the line and the column, before anything is written."""

import shutil

import pytest
import yaml

from conftest import STUDIES
from workflow_run import run_snakemake
from tkimeta.validate import STUDY_TABLES, RawDataError, validate_raw_dir


def test_every_raw_table_validates():
    from conftest import ROOT

    tables = validate_raw_dir(ROOT / "data" / "raw", STUDIES)
    present = {t.path.parent.name for kind in STUDY_TABLES for t in tables[kind]}
    assert present == set(STUDIES), "every study has typed data"
    from conftest import CONFIG

    for study in [s for s in STUDIES if CONFIG["studies"][s]["role"] == "single_arm"]:
        kinds = {t.path.stem for kind in STUDY_TABLES for t in tables[kind] if t.path.parent.name == study}
        assert {"characteristics", "baseline", "response", "rates", "survival", "adverse_events"} <= kinds, study


def _edit_line(path, line_number, old, new):
    lines = path.read_text(encoding="utf-8").split("\n")
    assert old in lines[line_number - 1], f"test set-up: {old!r} not on line {line_number} of {path}"
    lines[line_number - 1] = lines[line_number - 1].replace(old, new, 1)
    path.write_text("\n".join(lines), encoding="utf-8")


def _set_cell(path, line_number, column, value):
    """Set one cell by column name (test set-up helper, keeps the rest byte-identical)."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    rows[line_number - 1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _bad_inputs():
    """(id, corrupt(raw_dir), expected fragments of the message)."""
    resp = "data/raw/anlo_crc/response.csv"
    rates = "data/raw/anlo_crc/rates.csv"
    claims = "data/raw/anlo_crc/claims.csv"  # line 2: a claimed difference with its p value

    def cell(rel, line, column, value):
        return lambda raw: _set_cell(raw.parent.parent / rel, line, column, value)

    def drop_column(raw):
        path = raw / "anlo_crc" / "response.csv"
        import csv, io
        rows = list(csv.reader(io.StringIO(path.read_text(), newline="")))
        i = rows[0].index("percent")
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([r[:i] + r[i + 1:] for r in rows])
        path.write_text(out.getvalue())

    def add_column(raw):
        path = raw / "anlo_crc" / "response.csv"
        lines = path.read_text().rstrip("\n").split("\n")
        path.write_text("\n".join([lines[0] + ",comment"] + [l + "," for l in lines[1:]]) + "\n")

    def duplicate_row(raw):
        path = raw / "anlo_crc" / "response.csv"
        lines = path.read_text().rstrip("\n").split("\n")
        path.write_text("\n".join(lines + [lines[1]]) + "\n")

    def semicolons(raw):
        path = raw / "anlo_crc" / "response.csv"
        import csv, io
        rows = list(csv.reader(io.StringIO(path.read_text(), newline="")))
        out = io.StringIO()
        csv.writer(out, delimiter=";", lineterminator="\n").writerows(rows)
        path.write_text(out.getvalue())

    def stray_field(raw):
        _edit_line(raw / "anlo_crc" / "response.csv", 3, "anlo_crc,all,", "anlo_crc,all,extra,")

    def stray_quote(raw):
        _edit_line(raw / "anlo_crc" / "response.csv", 3, "anlo_crc,all,", 'anlo_crc,"all,')

    def write_bytes(rel, data):
        return lambda raw: (raw.parent.parent / rel).write_bytes(data)

    def latin1(raw):
        path = raw / "anlo_crc" / "response.csv"
        data = path.read_bytes().split(b"\n")
        data[2] = data[2] + "é".encode("latin-1")
        path.write_bytes(b"\n".join(data))

    def bom(raw):
        path = raw / "anlo_crc" / "response.csv"
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())

    def header_only(raw):
        path = raw / "anlo_crc" / "response.csv"
        path.write_text(path.read_text().split("\n")[0] + "\n")

    def unknown_folder(raw):
        shutil.copytree(raw / "anlo_crc", raw / "anlo_xyz")

    def unknown_table(raw):
        shutil.copy(raw / "anlo_crc" / "response.csv", raw / "anlo_crc" / "responses.csv")

    def unmapped_term(raw):
        path = raw / "anlo_crc" / "ae_term_map.csv"
        lines = path.read_text().rstrip("\n").split("\n")
        path.write_text("\n".join(lines[:1] + lines[2:]) + "\n")

    return [
        ("missing_column", drop_column, [resp, "column 'percent'", "missing column"]),
        ("unknown_column", add_column, [resp, "column 'comment'", "unknown column"]),
        ("wrong_type", cell(resp, 3, "count", "eleven"), [resp, "line 3", "column 'count'", "'eleven' is not a whole number"]),
        ("decimal_count", cell(resp, 3, "count", "11.5"), [resp, "line 3", "column 'count'", "not a whole number"]),
        ("negative_count", cell(resp, 3, "count", "-4"), [resp, "line 3", "column 'count'", "below the allowed minimum 0"]),
        ("percent_above_100", cell(rates, 2, "percent", "116.2"), [rates, "line 2", "column 'percent'", "above the allowed maximum 100"]),
        ("ci_reversed", lambda raw: (cell(rates, 2, "ci_lower", "27.1")(raw), cell(rates, 2, "ci_upper", "8.4")(raw)),
         [rates, "line 2", "column 'ci_lower'", "greater than ci_upper"]),
        ("unknown_study_id", cell(resp, 3, "study_id", "anlo_xyz"), [resp, "line 3", "column 'study_id'", "'anlo_xyz' is not a registered study; register it in config.yaml under 'studies'"]),
        ("wrong_folder_study_id", cell(resp, 3, "study_id", "fruq_crc"), [resp, "line 3", "column 'study_id'", "in the folder of 'anlo_crc'"]),
        ("unknown_category", cell(resp, 3, "category", "MR"), [resp, "line 3", "column 'category'", "'MR' is not one of"]),
        ("unknown_location", cell(resp, 3, "location", "page 3"), [resp, "line 3", "column 'location'", "does not match"]),
        ("duplicate_key", duplicate_row, [resp, "duplicates line 2"]),
        ("empty_file", write_bytes(resp, b""), [resp, "the file is empty"]),
        ("header_only", header_only, [resp, "header but no rows"]),
        ("non_utf8", latin1, [resp, "line 3", "not UTF-8"]),
        ("bom", bom, [resp, "line 1", "byte-order mark"]),
        ("wrong_delimiter", semicolons, [resp, "line 1", "separated by ';'"]),
        ("extra_field", stray_field, [resp, "line 3", "13 fields where the header has 12"]),
        ("stray_quote", stray_quote, [resp, "line 3"]),
        ("decimal_comma", cell(rates, 2, "percent", "16,2"), [rates, "line 2", "column 'percent'", "use '.' as decimal mark"]),
        ("nan_string", cell(rates, 2, "percent", "NaN"), [rates, "line 2", "column 'percent'", "'NaN' is not a number"]),
        ("inf_string", cell(rates, 2, "percent", "inf"), [rates, "line 2", "column 'percent'", "'inf' is not a number"]),
        ("huge_number", cell(resp, 3, "count", "99999999999999999999"), [resp, "line 3", "column 'count'", "above the allowed maximum"]),
        ("exponent", cell(rates, 2, "percent", "1e2"), [rates, "line 2", "column 'percent'", "exponent notation"]),
        ("required_empty", cell(resp, 3, "source_label", ""), [resp, "line 3", "column 'source_label'", "required value is empty"]),
        ("padded_cell", cell(resp, 3, "population", " all"), [resp, "line 3", "column 'population'", "leading or trailing spaces"]),
        ("bad_ci_level", cell(rates, 2, "ci_level", "94"), [rates, "line 2", "column 'ci_level'", "'94' is not one of"]),
        ("shell_metachar_population", cell(resp, 3, "population", "all;rm -rf"), [resp, "line 3", "column 'population'", "does not match"]),
        ("unknown_study_folder", unknown_folder, ["data/raw/anlo_xyz", "not registered in config.yaml"]),
        ("unknown_table_file", unknown_table, ["data/raw/anlo_crc/responses.csv", "unknown table"]),
        ("unmapped_ae_term", unmapped_term, ["data/raw/anlo_crc/adverse_events.csv", "column 'term'", "ae_term_map.csv"]),
        ("claim_unknown_type", cell(claims, 2, "claim_type", "proven"), [claims, "line 2", "column 'claim_type'", "'proven' is not one of"]),
        ("claim_p_without_relation", cell(claims, 2, "p_relation", ""),
         [claims, "line 2", "column 'p_relation'", "required when p_value is given"]),
        ("claim_p_above_one", cell(claims, 2, "p_value", "1.3"), [claims, "line 2", "column 'p_value'", "above the allowed maximum 1"]),
        ("claim_range_reversed", lambda raw: (cell(claims, 2, "range_lower", "11.8")(raw), cell(claims, 2, "range_upper", "7.1")(raw)),
         [claims, "line 2", "column 'range_lower'", "greater than range_upper"]),
        ("claim_unknown_comparator_source", cell(claims, 2, "comparator_source", "their_study"),
         [claims, "line 2", "column 'comparator_source'", "'their_study' is not one of"]),
        ("claim_bad_grade_band", cell(claims, 2, "grade_band", "3+"), [claims, "line 2", "column 'grade_band'", "does not match"]),
        ("claim_value_not_a_number", cell(claims, 2, "subject_value", "5.8 months"),
         [claims, "line 2", "column 'subject_value'", "not a number"]),
    ]


BAD_INPUTS = _bad_inputs()


@pytest.mark.parametrize("corrupt,expected", [c[1:] for c in BAD_INPUTS], ids=[c[0] for c in BAD_INPUTS])
def test_bad_raw_input_is_named_precisely(raw_copy, corrupt, expected):
    corrupt(raw_copy)
    with pytest.raises(RawDataError) as err:
        validate_raw_dir(raw_copy, STUDIES)
    message = str(err.value)
    for fragment in expected:
        assert fragment in message, f"{fragment!r} missing from:\n{message}"


def test_all_problems_are_reported_at_once(raw_copy):
    _set_cell(raw_copy / "anlo_crc" / "response.csv", 3, "count", "-1")
    _set_cell(raw_copy / "fruq_crc" / "rates.csv", 2, "percent", "101")
    with pytest.raises(RawDataError) as err:
        validate_raw_dir(raw_copy, STUDIES)
    assert len(err.value.problems) == 2
    assert "anlo_crc/response.csv" in str(err.value) and "fruq_crc/rates.csv" in str(err.value)


@pytest.mark.parametrize("case", ["negative_count", "wrong_delimiter", "unknown_study_id", "non_utf8", "empty_file"])
def test_snakemake_stops_before_writing_anything(workflow_copy, case):
    corrupt, expected = {c[0]: c[1:] for c in BAD_INPUTS}[case]
    corrupt(workflow_copy / "data" / "raw")
    result = run_snakemake(workflow_copy)
    assert result.returncode != 0
    for fragment in expected:
        assert fragment in result.stderr + result.stdout
    assert not (workflow_copy / "results").exists(), "nothing may be written on bad input"


CONFIG_CASES = [
    ("unknown_key", lambda c: c.update(extra=1), "extra: unknown key 'extra'"),
    ("wrong_type", lambda c: c["pooling"].update(ci_level="95%"), "pooling > ci_level: '95%' is not a number"),
    ("unknown_method", lambda c: c["pooling"]["proportions"].update(primary="bayes"), "'bayes' is not one of"),
    ("bad_study_id", lambda c: c["studies"].update({"../etc": dict(c["studies"]["anlo_crc"])}), "studies > ../etc: key '../etc' does not have the allowed form"),
    ("missing_section", lambda c: c.pop("pooling"), "'pooling' is missing (a required key)"),
]


@pytest.mark.parametrize("edit,expected", [c[1:] for c in CONFIG_CASES], ids=[c[0] for c in CONFIG_CASES])
def test_bad_config_is_rejected(workflow_copy, edit, expected):
    path = workflow_copy / "config.yaml"
    config = yaml.safe_load(path.read_text())
    edit(config)
    path.write_text(yaml.safe_dump(config))
    result = run_snakemake(workflow_copy, "-n")
    assert result.returncode != 0
    assert expected in result.stderr + result.stdout, result.stderr[-2000:]
    assert not (workflow_copy / "results").exists()
