"""The layers of ARCHITECTURE.md hold: every module of a feature is placed in the contract.

import-linter (`make lint`) checks the imports between the layers named in pyproject.toml; a
module it is not told about is not checked. So each module of bot/<feature>/ must be named in
the layers contract: its pure rules in the bottom layer, its use cases (`cases`) above storage.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FEATURES = ("roster", "schedule", "forms", "polls")


def layers() -> list[set[str]]:
    """Each layer of the contract as the set of module names it lists."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "layers")
    return [{name.strip() for name in layer.split(":")} for layer in contract["layers"]]


def feature_modules() -> list[str]:
    """bot.<feature>.<module> for each module or package of a feature (not its __init__)."""
    found = []
    for feature in FEATURES:
        for path in sorted((ROOT / "bot" / feature).iterdir()):
            if path.name.startswith(("_", ".")):
                continue
            if path.suffix == ".py" or (path / "__init__.py").exists():
                found.append(f"bot.{feature}.{path.stem}")
    return found


def test_every_feature_module_is_in_a_layer() -> None:
    named = set().union(*layers())
    missing = [m for m in feature_modules() if m not in named and m.rsplit(".", 1)[0] not in named]
    assert not missing, f"name these in pyproject.toml's layers contract: {missing}"


def test_use_cases_sit_above_storage_and_rules_below_it() -> None:
    stack = layers()
    storage = next(i for i, layer in enumerate(stack) if "storage" in layer)
    for module in feature_modules():
        level = next((i for i, layer in enumerate(stack) if module in layer), None)
        if level is None:
            continue
        if module.endswith(".cases") or module in {"bot.schedule.scheduler", "bot.schedule.delivery"}:
            assert level < storage, f"{module} is a use case: it belongs above storage"
        else:
            assert level > storage, f"{module} is a pure rule: it belongs below storage"
