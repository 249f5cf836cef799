"""Authorization matrix: every state-changing command and button, run by each kind of person.

Six people act in the bloc's group (or privately with the bot): the operator (who set the bloc
up), the chair unit's and the vice chair unit's representatives, a member unit's representative,
a group member linked to no unit, and a representative of another bloc. PRODUCT.md says who may:
bloc admins (operator, chair, vice chair) change the roster, the schedule, forms and polls;
representatives of the bloc's units answer RSVPs and forms for their own unit; a unit's voter
casts its ballot. An allowed action changes its tables; a refused one is answered (a reply or an
alert naming who may) and changes nothing stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.attack_helpers import copy_database, errors_logged, insane, keyboard
from tests.conftest import SEED_UNITS
from tests.harness import BOT_USERNAME, BotHarness
from tests.test_polls_e2e import close_poll, committee_opens, vote_by_text

GROUP, OTHER_GROUP = -1001000000003, -1001000000009
OPERATOR, CHAIR_REP, VICE_REP, MEMBER, NON_MEMBER, OTHER_BLOC = 206, 201, 202, 203, 204, 205
ROLES = {
    "operator": OPERATOR,
    "chair": CHAIR_REP,
    "vice chair": VICE_REP,
    "member": MEMBER,
    "non-member": NON_MEMBER,
    "member of another bloc": OTHER_BLOC,
}
ALLOWED = {
    "nobody": set(),
    "admins": {"operator", "chair", "vice chair"},
    "representatives": {"chair", "vice chair", "member"},  # of a unit of this bloc; own unit only
}
# What a refusal says (Vietnamese, the bloc's language), by who may.
REFUSAL = {
    "admins": "Chỉ quản trị viên của Khối",
    "rsvp": "Chỉ người đại diện của đơn vị thành viên",
    "form": "Anh/chị không thể trả lời phiếu đăng ký",
    "vote": "Anh/chị không bỏ phiếu",
    "ballot button": "Nút này không còn hiệu lực",  # no ballot of theirs: the data is refused
    "poll open": "chưa thể thay đổi người bỏ phiếu",  # said to admins; others hear "admins"
}
# Tables anyone's message may touch: the person's own row and their chat's settings.
OWN_ROWS = {"people", "chats"}
QUORATE = "rules: quorum=1/8 base=ballots"  # two ballots of eight units make a count


@dataclass(frozen=True)
class Case:
    """One state-changing action and the tables it changes when allowed.

    `text` is a message, or with `button` the callback data pressed on the captured keyboard of
    that name (``{key}`` fields are filled from what the set-up captured). A `foreign` case names
    this bloc's ids, units or drafts; an admin of another bloc also tries it in their own group.
    """

    name: str
    text: str
    tables: tuple[str, ...]
    who: str = "admins"
    refusal: str = "admins"
    private: bool = False
    button: str | None = None
    reply_to: str | None = None
    foreign: bool = False  # names this bloc's ids: also tried by an admin of another bloc there


CASES = [
    # roster ------------------------------------------------------------------------------------
    Case("units add", "/units add\nSở Nội vụ", ("units",)),
    Case("units rename", "/units rename #8 | Thanh tra tỉnh Đắk Lắk", ("units",), foreign=True),
    Case("chair", "/chair #5 2027", ("roles",), foreign=True),
    Case("vicechair", "/khoipho #6 2027", ("roles",), foreign=True),
    Case("chair button", "ro:chair:{unit5}:2028", ("roles",), button="chair picker", foreign=True),
    # A poll is open in this world: nobody may move a unit's voter until it closes (issue 13).
    Case(
        "voter", "/voter #2", ("representatives",), who="nobody", refusal="poll open", reply_to="member said"
    ),
    Case("invite", "/invite #1", ("invites",)),
    Case("import", "/import", ("units",), reply_to="sheet"),
    # schedule ----------------------------------------------------------------------------------
    Case("meeting", "/meeting 8h00 18/12/2026 | Họp chuyên đề | Hội trường A", ("events", "reminders")),
    Case("deadline", "/han 12/12/2026 | Nộp bảng tự chấm điểm", ("events", "reminders")),
    Case("event move", "/event 1 move 14h00 16/12/2026", ("events", "reminders"), foreign=True),
    Case("event remind", "/event 1 remind 3d, 2h", ("events", "reminders"), foreign=True),
    Case("event host", "/event 1 host #5", ("events",), foreign=True),
    Case("event place", "/event 1 place Hội trường Sở Tư pháp", ("events",), foreign=True),
    Case("event cancel", "/event 2 cancel", ("events", "reminders"), foreign=True),
    Case("rotation", "/rotation #2, #1, #3", ("host_rotation",), foreign=True),
    Case("host button", "{host}", ("events", "schedule_drafts"), button="host picker", foreign=True),
    Case("cycle", "/chuky 2027", ("schedule_drafts",)),
    Case("cycle confirm", "{confirm}", ("events", "schedule_drafts"), button="cycle", foreign=True),
    Case(
        "rsvp attend",
        "{attend}",
        ("rsvps",),
        who="representatives",
        refusal="rsvp",
        button="meeting card",
        foreign=True,
    ),
    # forms -------------------------------------------------------------------------------------
    Case("form create", "/form pledge Đăng ký thi đua 2027 | 31/12/2026", ("forms", "reminders")),
    Case("form close", "/form 2 close", ("forms",), foreign=True),
    Case("form reopen", "/form 3 reopen 30/12/2026", ("forms",), foreign=True),
    Case("submit", "/submit 1 12", ("form_responses",), who="representatives", refusal="form", private=True),
    Case(
        "form button",
        "fm:s:4",
        ("conversations",),
        who="representatives",
        refusal="form",
        private=True,
        button="private",
    ),
    # polls -------------------------------------------------------------------------------------
    Case("poll create", "/poll Bình xét khen thưởng\nBằng khen | 2", ("polls", "poll_candidates")),
    Case("poll candidates", "/poll 1 candidates #1, #2, #5", ("poll_candidates",), foreign=True),
    Case("poll open", "/poll 2 open", ("polls", "poll_rounds", "poll_electorate"), foreign=True),
    # Nobody has voted: the close is early, so the admin is asked (a question row, bound to them);
    # its answer is tested in tests/test_votes_e2e.py.
    Case("poll close", "/poll 4 close", ("conversations",), foreign=True),
    Case("poll round2", "/poll 5 round2", ("polls", "poll_rounds", "poll_candidates"), foreign=True),
    Case("poll decide", "/poll 6 decide 1: #1", ("poll_decisions",), foreign=True),
    Case("poll confirm", "/poll 7 confirm", ("polls", "roles"), foreign=True),
    Case("poll confirm button", "pcf:8", ("polls",), button="election 8", foreign=True),
    Case("poll delete", "/poll 3 delete", ("polls",), foreign=True),
    Case("elect", "/bau 2028", ("polls", "poll_candidates")),
    # A ballot written as text is shown for review (an encrypted draft); Send casts it.
    Case("vote", "/vote 9 1: 1", ("conversations",), who="representatives", refusal="vote", private=True),
    Case(
        "vote send",
        "bv:9:1:c",
        ("poll_ballots", "poll_turnout"),
        who="representatives",
        refusal="ballot button",
        private=True,
        button="private",
    ),
    # last: these change the roster and the bloc's language under the cases above
    Case("units remove", "/units remove #7", (), foreign=True),  # asks to confirm, below
    Case("remove confirm", "ro:rmok:{unit8}", ("units",), button="remove picker", foreign=True),
    Case("lang", "/lang en", ("blocs",)),
]


async def linked_bloc(h: BotHarness) -> None:
    """Bloc set up by the operator; chair #3, vice #4, member of #2; a second bloc elsewhere."""
    names = {
        OPERATOR: "Vận hành",
        CHAIR_REP: "Đỗ Quang Thấm",
        VICE_REP: "Đỗ Đức Hà",
        MEMBER: "Nguyễn Thị Lan",
        NON_MEMBER: "Trần Văn Minh",
        OTHER_BLOC: "Lê Thị Hoa",
    }
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
    await h.send(NON_MEMBER, NON_MEMBER, "/start")


async def ask_and_answer(h: BotHarness, user: int, chat: int, answers: list[str]) -> None:
    """Answer the bot's guided questions in turn, each as a reply to the question."""
    for text in answers:
        question = h.emu.last(chat)
        assert question is not None
        await h.send(user, chat, text, reply_to=question.message_id)


async def vote_and_close(h: BotHarness, poll: int, ballots: dict[int, str]) -> None:
    """Open a poll, cast the given text ballots, close it; the counting committee opens the box."""
    await h.send(OPERATOR, GROUP, f"/poll {poll} open")
    for uid, text in ballots.items():
        await vote_by_text(h, uid, f"{poll} {text}")
    await close_poll(h, poll, OPERATOR)
    await committee_opens(h, poll)


async def full_bloc(h: BotHarness) -> dict[str, Any]:
    """The linked bloc with events, drafts, forms and polls in every state the cases act on.

    Returns the keyboards the button cases press: name -> (message id, {key: data}).
    """
    await linked_bloc(h)
    world: dict[str, Any] = {}
    unit_ids = [r[0] for r in h.db_rows("SELECT id FROM units WHERE bloc_id = 1 ORDER BY id")]
    fields: dict[str, str] = {f"unit{n}": str(unit_ids[n - 1]) for n in range(1, 9)}
    world["member said"] = (await h.send(MEMBER, GROUP, "Tôi bỏ phiếu cho Công an tỉnh")).message
    world["sheet"] = (
        await h.send(OPERATOR, GROUP, "", document=(b"Don vi\nSo Noi vu 2\n", "ds.csv", "text/csv"))
    ).message
    # schedule: meeting #1, meeting #2 (to cancel), deadline #3 (drafts: fresh_drafts)
    await h.send(OPERATOR, GROUP, "/meeting 8h00 16/12/2026 | Hội nghị tổng kết | Hội trường")
    card, labels = keyboard(h, GROUP, "rv:")
    world["meeting card"] = card
    fields["attend"] = next(d for d in labels.values() if d.endswith(":y"))
    await h.send(OPERATOR, GROUP, "/meeting 8h00 10/12/2026 | Họp giao ban")
    await h.send(OPERATOR, GROUP, "/deadline 5/12/2026 | Nộp báo cáo")
    # roster pickers
    await h.send(OPERATOR, GROUP, "/chair")
    world["chair picker"], _labels = keyboard(h, GROUP, "ro:chair:")
    await h.send(OPERATOR, GROUP, "/units remove")
    world["remove picker"], _labels = keyboard(h, GROUP, "ro:rm:")
    # forms: #1 one field (answered with /submit), #2 open, #3 closed, #4 for the dialog button
    await h.send(OPERATOR, GROUP, "/form custom Đăng ký hội thao | 31/12/2026\nSố vận động viên | number")
    await h.send(OPERATOR, GROUP, "/form pledge Đăng ký thi đua 2026 | 31/12/2026")
    await h.send(OPERATOR, GROUP, "/form pledge Đăng ký danh hiệu | 31/12/2026")
    await h.send(OPERATOR, GROUP, "/form 3 close")
    await h.send(OPERATOR, GROUP, "/form custom Góp ý | 31/12/2026\nÝ kiến | text\nSố người | number")
    # polls: drafts #1-#3, #4 open, #5 waiting for round 2, #6 for the chair's decision,
    # elections #7 and #8 with a winner, #9 open for ballots
    for title in ("A", "B", "C", "D", "E", "F"):
        extra = f"\n{QUORATE}" if title in "EF" else ""
        await h.send(OPERATOR, GROUP, f"/poll Bình xét {title}\nCờ thi đua | 1{extra}")
    await h.send(OPERATOR, GROUP, "/poll 4 open")
    for poll in (5, 6):  # one vote each for #1 and #5: neither has a majority, round 2 is due
        await vote_and_close(h, poll, {MEMBER: "1: 1", CHAIR_REP: "1: 5"})
    await h.send(OPERATOR, GROUP, "/poll 6 round2")
    await close_poll(h, 6, OPERATOR)  # no ballot in round 2: the chair decides
    for year in (2027, 2028):
        await h.send(OPERATOR, GROUP, f"/elect {year}\n{QUORATE}")
        poll = 7 if year == 2027 else 8
        await vote_and_close(h, poll, {MEMBER: "1: 4; 2: 5", CHAIR_REP: "1: 4; 2: 5"})
    world["election 8"], _labels = keyboard(h, GROUP, "pcf:8")
    await h.send(OPERATOR, GROUP, "/poll Bình xét I\nCờ thi đua | 1")
    await h.send(OPERATOR, GROUP, "/poll 9 open")
    world["fields"] = fields
    world["units"] = unit_ids
    states = h.db_rows("SELECT id, status, round FROM polls ORDER BY id")
    assert [s[1] for s in states] == ["draft"] * 3 + ["open"] + ["closed"] * 4 + ["open"], states
    return world


async def fresh_drafts(h: BotHarness, world: dict[str, Any]) -> None:
    """A guided /meeting up to its host buttons, and a /cycle proposal: drafts used once, on
    messages no role has pressed yet."""
    await h.send(OPERATOR, GROUP, "/meeting")
    await ask_and_answer(h, OPERATOR, GROUP, ["8h00 20/12/2026", "Họp bình xét", "-"])
    world["host picker"], labels = keyboard(h, GROUP, "mh:")
    world["fields"]["host"] = next(d for d in labels.values() if d.endswith(f":{world['units'][5]}"))
    await h.send(OPERATOR, GROUP, "/cycle 2027")
    world["cycle"], labels = keyboard(h, GROUP, "cy:")
    world["fields"]["confirm"] = next(d for d in labels.values() if d.startswith("cy:ok:"))


def answered(h: BotHarness, actor: int, chat: int, texts_before: int, alerts_before: int) -> str:
    """What the bot said to the actor for their action: a new message or a callback answer."""
    alerts = [a for a in h.emu.callback_answers if a.user_id == actor]
    texts = "\n".join(h.texts(chat)[texts_before:])
    if len(alerts) > alerts_before:  # a button press is always answered, with or without words
        return alerts[-1].text or texts or "(answered)"
    return texts


async def act(h: BotHarness, world: dict[str, Any], actor: int, case: Case, group: int) -> str:
    """Run one case as the actor (in the group, or privately); return what the bot answered."""
    chat = actor if case.private else group
    texts_before = len(h.texts(chat))
    alerts_before = len([a for a in h.emu.callback_answers if a.user_id == actor])
    text = case.text.format(**world["fields"])
    if case.button is not None:
        if case.private or chat != GROUP:  # any bot message there: the data is what counts
            last = h.emu.last(chat)
            assert last is not None
            message_id = last.message_id
        else:
            message_id = world[case.button]
        await h.press(actor, chat, message_id, text)
    else:
        reply_to = world[case.reply_to]["message_id"] if case.reply_to else None
        await h.send(actor, chat, text, reply_to=reply_to)
    return answered(h, actor, chat, texts_before, alerts_before)


async def restore(h: BotHarness, saved: Path) -> None:
    """Put the bot back where the set-up left it: stop, restore the database, start."""
    assert h.config is not None
    await h.stop_bot()
    copy_database(saved, h.config.database_path)
    await h.start_bot()


def check(role: str, case: Case, said: str, changed: set[str], allowed: bool) -> str | None:
    """What is wrong with the outcome of one case, or None."""
    if not said:
        return "no answer"
    if insane(said):
        return f"error reply: {said[:200]}"
    if allowed and not set(case.tables) <= changed:
        return f"allowed but {set(case.tables) - changed} unchanged: {said[:200]}"
    if not allowed and changed:
        return f"refused but changed {changed}: {said[:200]}"
    refusal = case.refusal
    if refusal == "poll open" and role not in ALLOWED["admins"]:
        refusal = "admins"  # the admin check comes first
    if not allowed and role != "admin elsewhere" and REFUSAL[refusal] not in said:
        return f"refusal does not say who may: {said[:200]}"
    return None


async def test_matrix(tmp_path: Path) -> None:
    """Every case, by every role, from the same starting state (the database is restored)."""
    failures: list[tuple[str, str, str]] = []
    with errors_logged() as errors:
        await run_matrix(tmp_path, failures)
    assert not errors.records, errors.summary()
    assert not failures, "\n".join(map(str, failures))


async def run_matrix(tmp_path: Path, failures: list[tuple[str, str, str]]) -> None:
    """Set up once; for each role restore that state and run every case."""
    runs = 0
    async with BotHarness(tmp_path, operators=[OPERATOR]) as h:
        world = await full_bloc(h)
        await h.send(OPERATOR, OTHER_GROUP, "/chair #1")  # OTHER_BLOC is an admin over there
        assert h.config is not None
        saved = tmp_path / "set-up.sqlite3"
        await h.stop_bot()
        copy_database(h.config.database_path, saved)
        await h.start_bot()
        for role, actor in [*ROLES.items(), ("admin elsewhere", OTHER_BLOC)]:
            await restore(h, saved)
            await fresh_drafts(h, world)
            elsewhere = role == "admin elsewhere"
            for case in CASES:
                if elsewhere and not case.foreign:
                    continue
                before = h.snapshot()
                said = await act(h, world, actor, case, OTHER_GROUP if elsewhere else GROUP)
                after = h.snapshot()
                changed = {t for t in after if after[t] != before[t]} - OWN_ROWS
                allowed = not elsewhere and role in ALLOWED[case.who]
                runs += 1
                if (problem := check(role, case, said, changed, allowed)) is not None:
                    failures.append((role, case.name, problem))
                if case.name == "rsvp attend" and allowed:
                    own = h.db_rows("SELECT unit_id FROM representatives WHERE user_id = ?", (actor,))
                    if h.db_rows("SELECT unit_id FROM rsvps") != own:
                        failures.append((role, case.name, "answered for another unit"))
    assert runs == len(ROLES) * len(CASES) + sum(c.foreign for c in CASES)


def test_every_state_changing_command_has_a_case() -> None:
    """Admin-only commands, and those whose sub-commands change state, all appear in CASES."""
    from handlers.forms import answer as forms_answer
    from handlers.forms import commands as forms
    from handlers.general import common
    from handlers.polls import commands as polls
    from handlers.roster import commands as roster
    from handlers.roster import files as roster_files
    from handlers.roster import members
    from handlers.schedule import commands as schedule

    specs = [
        *common.COMMANDS,
        *roster.COMMANDS,
        *members.COMMANDS,
        *roster_files.COMMANDS,
        *forms.COMMANDS,
        *forms_answer.COMMANDS,
        *schedule.COMMANDS,
        *polls.COMMANDS,
    ]
    by_name = {n: s.name for s in specs for n in s.names}
    used = {by_name.get(c.text.split()[0].lstrip("/")) for c in CASES if c.text.startswith("/")}
    read_only = {"export"}  # /export roster only sends a file
    mixed = {"units", "lang", "event", "rotation", "form", "submit", "poll", "vote"}
    wanted = {s.name for s in specs if s.admin and s.name not in read_only} | mixed
    assert wanted <= used, wanted - used
    prefixes = {c.text.split(":")[0] for c in CASES if c.button and not c.text.startswith("{")}
    assert {"ro", "fm", "pcf"} <= prefixes  # with mh, cy and rv through the captured keyboards


async def test_setup_only_by_operators_when_configured(tmp_path: Path) -> None:
    async with BotHarness(tmp_path, operators=[OPERATOR]) as h:
        h.person(CHAIR_REP, "Đỗ Quang Thấm")
        h.group(GROUP, "Khối thi đua số 3", admins=[CHAIR_REP])
        await h.send(CHAIR_REP, GROUP, f"/setup@{BOT_USERNAME} Khối thi đua số 3")
        assert h.db_rows("SELECT count(*) FROM blocs") == [(0,)]
        assert "vận hành" in h.last_text(GROUP).lower()


async def test_refusal_alert_fits_telegram_limit(tmp_path: Path) -> None:
    """Long unit names: the 'who may' refusal of a button still fits an alert (200 characters)."""
    chair, vice = "Bộ Chỉ huy Bộ đội Biên phòng tỉnh Đắk Lắk", "Cục Thi hành án dân sự tỉnh Đắk Lắk"
    async with BotHarness(tmp_path, operators=[OPERATOR]) as h:
        with errors_logged() as errors:
            h.person(OPERATOR, "Nguyễn Văn Vận Hành Viên Hệ Thống")
            h.person(MEMBER, "Nguyễn Thị Lan")
            h.group(GROUP, "Khối thi đua số 3", members=[OPERATOR, MEMBER])
            await h.send(OPERATOR, GROUP, "/setup Khối thi đua các cơ quan nội chính tỉnh Đắk Lắk")
            await h.send(OPERATOR, GROUP, f"/units add\n{chair}\n{vice}")
            await h.send(OPERATOR, GROUP, "/chair #1")
            await h.send(OPERATOR, GROUP, "/vicechair #2")
            await h.send(OPERATOR, GROUP, "/chair")
            message_id, labels = keyboard(h, GROUP, "ro:chair:")
            before = h.snapshot()
            await h.press(MEMBER, GROUP, message_id, next(iter(labels.values())))
            assert h.snapshot() == before
        assert not errors.records, errors.summary()
        alert = h.emu.callback_answers[-1]
        assert alert.show_alert and alert.text and len(alert.text) <= 200
        assert REFUSAL["admins"] in alert.text
