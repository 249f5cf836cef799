"""The layers of ARCHITECTURE.md hold: every module of a feature is placed in the contract.

import-linter (`make lint`) checks the imports between the layers named in pyproject.toml; a
module it is not told about is not checked. So each module of bot/<feature>/ must be named in
the layers contract: its pure rules in the bottom layer, its use cases (`cases`) above storage.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pytest

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


# What touches the database from a feature's conversation: a transaction or read opened there,
# a unit of work, a repository or anything else of storage/ imported.
DATABASE = re.compile(r"\.db\.(?:read|transaction)\(|\buow\b|^\s*(?:from|import)\s+storage\b", re.MULTILINE)


def database_uses(folder: Path) -> list[str]:
    """file:line of each place in the folder's modules that touches the database itself."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for match in DATABASE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{os.path.relpath(path, ROOT)}:{line}")
    return found


@pytest.mark.parametrize("feature", [*FEATURES, "general"])
def test_a_features_conversation_calls_its_use_cases_never_the_database(feature: str) -> None:
    # handlers/<feature>/ parses, calls bot/<feature>/cases, renders; the database is the use
    # cases' (handlers/conversation/ keeps the conversation state and the turn's own rows).
    assert database_uses(ROOT / "handlers" / feature) == []


def test_the_check_finds_a_transaction_opened_in_a_conversation(tmp_path: Path) -> None:
    (tmp_path / "x.py").write_text(
        "from storage.units import UnitRepo\n\n\nasync def f(turn):\n"
        "    async with turn.services.db.transaction() as uow:\n        await uow.units.add(1)\n",
        encoding="utf-8",
    )
    found = database_uses(tmp_path)
    assert len(found) == 4 and found[0].endswith("x.py:1")
