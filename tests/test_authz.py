"""Authorization matrix: every state-changing command, run by each kind of person.

Allowed: refused or allowed as PRODUCT.md says; a refusal is answered and changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import SEED_UNITS
from tests.harness import BOT_USERNAME, BotHarness

GROUP, OTHER_GROUP = -1001000000003, -1001000000009
OPERATOR, CHAIR_REP, VICE_REP, MEMBER, NON_MEMBER, OTHER_BLOC = 206, 201, 202, 203, 204, 205
ROLES = {
    "operator": OPERATOR, "chair": CHAIR_REP, "vice chair": VICE_REP, "member": MEMBER,
    "non-member": NON_MEMBER, "member of another bloc": OTHER_BLOC,
}
ADMINS = {"operator", "chair", "vice chair"}


@dataclass(frozen=True)
class Case:
    """One state-changing command and the tables it changes when allowed."""

    name: str
    text: str
    tables: tuple[str, ...]
    reply_to_member: bool = False
    reply_to_file: bool = False


CASES = [
    Case("units add", "/units add\nSở Nội vụ", ("units",)),
    Case("units rename", "/units rename #8 | Thanh tra tỉnh Đắk Lắk", ("units",)),
    Case("chair", "/chair #5 2027", ("roles",)),
    Case("vicechair", "/khoipho #6 2027", ("roles",)),
    Case("voter", "/voter #2", ("representatives",), reply_to_member=True),
    Case("invite", "/invite #1", ("invites",)),
    Case("import", "/import", ("units",), reply_to_file=True),
    Case("lang", "/lang en", ("blocs",)),
    Case("units remove", "/units remove #7", ("units",)),
]


async def linked_bloc(h: BotHarness) -> None:
    """Bloc set up by the operator; chair #3, vice #4, member of #2; a second bloc elsewhere."""
    names = {OPERATOR: "Vận hành", CHAIR_REP: "Đỗ Quang Thấm", VICE_REP: "Đỗ Đức Hà",
             MEMBER: "Nguyễn Thị Lan", NON_MEMBER: "Trần Văn Minh", OTHER_BLOC: "Lê Thị Hoa"}
    for uid, name in names.items():
        h.person(uid, name)
    h.group(GROUP, "Khối thi đua số 3", members=list(names))
    h.group(OTHER_GROUP, "Khối thi đua số 9", members=[OPERATOR, OTHER_BLOC])
    await h.send(OPERATOR, GROUP, "/setup Khối thi đua số 3")
    await h.send(OPERATOR, GROUP, "/units add\n" + "\n".join(SEED_UNITS))
    await h.send(OPERATOR, GROUP, "/chair #3")
    await h.send(OPERATOR, GROUP, "/vicechair #4")
    await h.send(OPERATOR, OPERATOR, "/start")
    await h.send(OPERATOR, GROUP, "/invite")
    links = re.findall(r"start=(join_[\w-]+)", h.last_text(OPERATOR))
    for uid, number in ((CHAIR_REP, 3), (VICE_REP, 4), (MEMBER, 2)):
        await h.send(uid, uid, f"/start {links[number - 1]}")
    await h.send(OPERATOR, OTHER_GROUP, "/setup Khối thi đua số 9")
    await h.send(OPERATOR, OTHER_GROUP, "/units add\nSở Y tế")
    await h.send(OPERATOR, OPERATOR, "/start")
    await h.send(OPERATOR, OTHER_GROUP, "/invite")
    other = re.findall(r"start=(join_[\w-]+)", h.last_text(OPERATOR))
    await h.send(OTHER_BLOC, OTHER_BLOC, f"/start {other[0]}")


@pytest.mark.parametrize("role", list(ROLES))
async def test_matrix(tmp_path: Path, role: str) -> None:
    actor = ROLES[role]
    async with BotHarness(tmp_path, operators=[OPERATOR]) as h:
        await linked_bloc(h)
        said = await h.send(MEMBER, GROUP, "Tôi bỏ phiếu cho Công an tỉnh")
        sheet = await h.send(OPERATOR, GROUP, "", document=(b"Don vi\nSo Noi vu 2\n", "ds.csv", "text/csv"))
        for case in CASES:
            before = h.snapshot()
            count = len(h.texts(GROUP))
            reply_to = (said.message["message_id"] if case.reply_to_member else
                        sheet.message["message_id"] if case.reply_to_file else None)
            await h.send(actor, GROUP, case.text, reply_to=reply_to)
            after = h.snapshot()
            assert len(h.texts(GROUP)) > count, (role, case.name, "no reply")
            changed = {t for t in after if after[t] != before[t]} - {"people", "chats"}
            if role in ADMINS:
                assert set(case.tables) <= changed, (role, case.name, h.last_text(GROUP))
            else:
                assert changed == set(), (role, case.name, changed)
                assert "Khối trưởng" in h.last_text(GROUP), (role, case.name, h.last_text(GROUP))


async def test_setup_only_by_operators_when_configured(tmp_path: Path) -> None:
    async with BotHarness(tmp_path, operators=[OPERATOR]) as h:
        h.person(CHAIR_REP, "Đỗ Quang Thấm")
        h.group(GROUP, "Khối thi đua số 3", admins=[CHAIR_REP])
        await h.send(CHAIR_REP, GROUP, f"/setup@{BOT_USERNAME} Khối thi đua số 3")
        assert h.db_rows("SELECT count(*) FROM blocs") == [(0,)]
        assert "vận hành" in h.last_text(GROUP).lower()


Check = Callable[[BotHarness], Awaitable[None]]
