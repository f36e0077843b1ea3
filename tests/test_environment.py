"""The two sets of pins (pip's requirements.txt, the per-rule conda envs) must agree."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
# Packages only the conda path needs (the pip path has them from the system or not at all).
CONDA_ONLY = {"python", "quarto", "pip"}
# How an environment installs this project's library: editable, relative to envs/.
PROJECT_ITSELF = "-e .."


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pip_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"requirements.txt: '{line}' is not an exact pin"
            pins[_normalise(name)] = version
    return pins


def _env_pins(path: Path) -> list[tuple[str, str | None]]:
    env = yaml.safe_load(path.read_text())
    found = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for pip_dep in dep.get("pip", []):
                if pip_dep == PROJECT_ITSELF:
                    continue
                name, _, version = pip_dep.partition("==")
                found.append((_normalise(name), version or None))
        else:
            name, _, version = dep.partition("=")
            found.append((_normalise(name), version or None))
    return found


ENV_FILES = sorted((ROOT / "envs").glob("*.yaml"))


def test_every_rule_family_has_an_environment():
    assert {p.stem for p in ENV_FILES} >= {"clean", "audit", "pool", "figures", "report"}


@pytest.mark.parametrize("env_file", ENV_FILES, ids=lambda p: p.name)
def test_conda_pins_are_exact_and_agree_with_pip(env_file):
    pip = _pip_pins()
    for name, version in _env_pins(env_file):
        if name in CONDA_ONLY:
            continue
        assert version, f"{env_file.name}: {name} is not pinned to an exact version"
        assert name in pip, f"{env_file.name}: {name} is missing from requirements.txt"
        assert version == pip[name], f"{env_file.name}: {name}={version} but requirements.txt has {pip[name]}"


@pytest.mark.parametrize("env_file", ENV_FILES, ids=lambda p: p.name)
def test_every_environment_installs_the_library(env_file):
    env = yaml.safe_load(env_file.read_text())
    pip = [entry for dep in env["dependencies"] if isinstance(dep, dict) for entry in dep.get("pip", [])]
    assert PROJECT_ITSELF in pip, f"{env_file.name} does not install tkimeta ({PROJECT_ITSELF!r} under pip:)"
    assert (env_file.parent / PROJECT_ITSELF.split()[1] / "pyproject.toml").is_file()


def test_rules_use_existing_environments():
    rule_text = "\n".join(p.read_text() for p in (ROOT / "workflow" / "rules").glob("*.smk"))
    used = set(re.findall(r'conda:\s*\n?\s*"\.\./\.\./envs/([a-z_]+)\.yaml"', rule_text))
    assert used, "no rule declares a conda environment"
    assert used <= {p.stem for p in ENV_FILES}
