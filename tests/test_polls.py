"""The poll core without a bot: /poll and /vote texts, ballots, outcomes, the chart, the minutes."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import UTC, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from docx.oxml.ns import qn
from hypothesis import given
from hypothesis import strategies as st

from bot.polls.ballots import (
    BallotCategory,
    BallotForm,
    Draft,
    answer,
    ballot_from_text,
    check_ballot,
    decode_ballot,
    encode_ballot,
    label_position,
    pack_ballot,
    parse_vote,
    position_label,
    read_ballot,
    toggle,
    unpack_ballot,
)
from bot.polls.charts import Bar, Chart, Panel, bar_chart
from bot.polls.minutes import (
    DOTS,
    MOTTO,
    NATIONAL,
    SIGN_HINT,
    Item,
    Minutes,
    Section,
    Signatures,
    Signer,
    Table,
    render_minutes,
    roman,
    written_date,
)
from bot.polls.model import (
    Committee,
    PollProblem,
    check_decision,
    outcome,
    parse_category,
    parse_poll,
    parse_quorum,
    parse_rules,
    parse_rules_line,
    result_rows,
)
from bot.polls.tally import ANSWERS, Ballot, Category, Rules, tally_round, withheld_reason, withheld_round

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
UNITS = tuple(range(1, 9))


# ---- /poll definitions ---------------------------------------------------------------------


def test_parse_poll_with_rules() -> None:
    spec = parse_poll(
        "  Bình xét   thi đua năm 2026 ",
        [
            "1. Cờ thi đua của Chính phủ | 1",
            "- Cờ thi đua của UBND tỉnh | 2 | two_thirds",
            "Bằng khen của Chủ tịch UBND tỉnh|3",
            "Sở Xây dựng làm Khối trưởng 2027 | xác nhận Sở Xây dựng",
            "Rules: threshold=eighty base=ballots quorum=60% self=no exclusive=no han=14h30 ngày 16/12/2026",
        ],
        now=NOW,
        tz=TZ,
    )
    assert spec.title == "Bình xét thi đua năm 2026"
    assert [(c.name, c.quota, c.kind, c.threshold) for c in spec.categories] == [
        ("Cờ thi đua của Chính phủ", 1, "pick", None),
        ("Cờ thi đua của UBND tỉnh", 2, "pick", "two_thirds"),
        ("Bằng khen của Chủ tịch UBND tỉnh", 3, "pick", None),
        ("Sở Xây dựng làm Khối trưởng 2027", 1, "confirm", None),
    ]
    assert spec.categories[3].confirm_unit == "Sở Xây dựng"
    assert spec.rules == Rules("eighty", "ballots", Fraction(3, 5), False, False)
    assert spec.deadline == datetime(2026, 12, 16, 7, 30, tzinfo=UTC)


def test_defaults_are_the_domain_defaults() -> None:
    spec = parse_poll("Bình xét", ["Cờ | 1"], now=NOW, tz=TZ)
    assert spec.rules == Rules() == Rules("majority", "members", Fraction(2, 3), True, True)
    assert spec.deadline is None
    assert parse_category("Cờ | confirm #5").confirm_unit == "#5"


@pytest.mark.parametrize(
    ("title", "lines", "code"),
    [
        ("", ["Cờ | 1"], "no_title"),
        ("x" * 201, ["Cờ | 1"], "title_too_long"),
        ("Bình xét", [], "no_categories"),
        ("Bình xét", ["Cờ thi đua"], "bad_category"),
        ("Bình xét", ["Cờ | 1 | 2 | 3"], "bad_category"),
        ("Bình xét", ["Cờ | hai"], "bad_quota"),
        ("Bình xét", ["Cờ | 0"], "bad_quota"),
        ("Bình xét", ["Cờ | 31"], "bad_quota"),
        ("Bình xét", ["Cờ | 1 | most"], "bad_threshold"),
        ("Bình xét", ["Cờ | confirm"], "bad_category"),
        ("Bình xét", ["Cờ | 1", "cờ | 2"], "duplicate_category"),
        ("Bình xét", [f"Cờ {i} | 1" for i in range(11)], "too_many_categories"),
        ("Bình xét", ["x" * 201 + " | 1"], "name_too_long"),
        ("Bình xét", ["Cờ | 1", "rules: threshold=most"], "bad_threshold"),
        ("Bình xét", ["Cờ | 1", "rules: base=people"], "bad_base"),
        ("Bình xét", ["Cờ | 1", "rules: quorum=5/3"], "bad_quorum"),
        ("Bình xét", ["Cờ | 1", "rules: quorum=0%"], "bad_quorum"),
        ("Bình xét", ["Cờ | 1", "rules: quorum=1/0"], "bad_quorum"),
        ("Bình xét", ["Cờ | 1", "rules: self=maybe"], "bad_yes_no"),
        ("Bình xét", ["Cờ | 1", "rules: deadline=1/1/2020"], "past_deadline"),
        ("Bình xét", ["Cờ | 1", "rules: deadline=someday"], "bad_deadline"),
        ("Bình xét", ["Cờ | 1", "rules: loud threshold=majority"], "bad_rules"),
        ("Bình xét", ["Cờ | 1", "rules: self=no self=yes"], "bad_rules"),
        ("Bình xét", ["Cờ | 1", "rules: nothing"], "bad_rules"),
        ("Bình xét", ["Cờ | 1", "rules: self=no", "rules: self=yes"], "bad_rules"),
    ],
)
def test_parse_poll_problems(title: str, lines: list[str], code: str) -> None:
    with pytest.raises(PollProblem) as caught:
        parse_poll(title, lines, now=NOW, tz=TZ)
    assert caught.value.code == code


def test_rules_line_alone_and_quorum_forms() -> None:
    assert parse_rules("", now=NOW, tz=TZ) == (Rules(), None)
    assert parse_quorum("2 / 3") == Fraction(2, 3) and parse_quorum("100%") == 1
    rules, _deadline = parse_rules("THRESHOLD=2/3 Base=phieu self=khong", now=NOW, tz=TZ)
    assert (rules.threshold, rules.base, rules.self_vote) == ("two_thirds", "ballots", False)


# ---- ballots -------------------------------------------------------------------------------


def form(*, self_vote: bool = True, unit: int = 2, round_no: int = 1) -> BallotForm:
    """Three picks (quotas 1, 2, 3) over units 1-8 and one confirmation of unit 5."""
    return BallotForm(
        1,
        round_no,
        unit,
        self_vote,
        (
            BallotCategory(0, "Cờ thi đua của Chính phủ", "pick", 1, UNITS),
            BallotCategory(1, "Cờ thi đua của UBND tỉnh", "pick", 2, UNITS),
            BallotCategory(2, "Bằng khen", "pick", 3, UNITS),
            BallotCategory(3, "Sở Xây dựng làm Khối trưởng", "confirm", 1, (5,)),
        ),
    )


def test_vote_text_to_ballot() -> None:
    poll_id, parts = parse_vote("#3 1: 2; 2: 4, 3; 3: ; 4: Đồng ý")
    assert poll_id == 3 and parts == {0: "2", 1: "4, 3", 2: "", 3: "Đồng ý"}
    ballot = ballot_from_text(form(), parts)
    assert ballot == Ballot(choices={0: (2,), 1: (3, 4)}, confirms={3: "yes"})
    for words, said in [("khong dong y", "no"), ("TRẮNG", "blank"), ("no", "no")]:
        assert ballot_from_text(form(), {3: words}).confirms == {3: said}
    assert parse_vote("7") == (7, {})
    assert parse_vote("7 1) 2\n2. 3") == (7, {0: "2", 1: "3"})


NAMES = {
    1: "Bộ Chỉ huy Quân sự tỉnh",
    2: "Công an tỉnh",
    3: "Sở Văn hóa, Thể thao và Du lịch",
    4: "Sở Thể thao",
    5: "Sở Tư pháp tỉnh",
    6: "Tòa án nhân dân tỉnh",
    7: "Thanh tra tỉnh",
    8: "Sở Nội vụ",
}


def test_ballot_positions_are_letters_both_ways() -> None:
    assert [position_label(n) for n in (1, 2, 26, 27, 52, 60)] == ["A", "B", "Z", "AA", "AZ", "BH"]
    assert all(label_position(position_label(n)) == n for n in range(1, 61))
    assert label_position("c") == 3 and label_position("Công") is None and label_position("1") is None
    assert form().categories[0].label_of(3) == "C"
    with pytest.raises(ValueError):
        position_label(0)


def test_a_candidate_is_written_by_letter_name_or_number() -> None:
    typed = read_ballot(
        form(),
        {0: "cong an", 1: "Sở Văn hóa, Thể thao và Du lịch, Sở Thể thao", 2: "a, 6, THANH TRA"},
        NAMES,
    )
    # a name holding a comma is read whole; a name's unique part is enough, diacritics aside
    assert typed.ballot == Ballot(choices={0: (2,), 1: (3, 4), 2: (1, 6, 7)})
    with pytest.raises(PollProblem) as caught:  # "a", then "6" and "toa an" are the same unit
        read_ballot(form(), {2: "a, 6, TOA AN"}, NAMES)
    assert caught.value.code == "duplicate_pick"
    assert read_ballot(form(), {2: "a, 6"}, NAMES).numbers == ((2, 6, 6),)  # the number written, its unit
    for raw in ("Sở", "Ngân hàng", "#0", "Z"):  # ambiguous, unknown, no such place, beyond the list
        with pytest.raises(PollProblem) as caught:
            read_ballot(form(), {0: raw}, NAMES)
        assert caught.value.code == "not_candidate", raw
    with pytest.raises(PollProblem) as caught:  # a typo: the nearest candidates are offered
        read_ballot(form(), {0: "tu phap tinh sở"}, NAMES)
    assert caught.value.code == "not_candidate" and "E. Sở Tư pháp tỉnh" in caught.value.hint
    with pytest.raises(PollProblem) as caught:  # barred from voting for itself: told so, by name too
        read_ballot(form(self_vote=False), {0: "Công an tỉnh"}, NAMES)
    assert caught.value.code == "self_vote"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "vote_syntax"),
        ("abc 1: 2", "vote_syntax"),
        ("3 1 2", "vote_syntax"),
        ("3 1: 2; 1: 3", "vote_syntax"),
        ("3 0: 2", "vote_syntax"),
    ],
)
def test_vote_text_syntax(text: str, code: str) -> None:
    with pytest.raises(PollProblem) as caught:
        parse_vote(text)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("parts", "code"),
    [
        ({0: "1, 2"}, "too_many"),
        ({1: "3, 3"}, "duplicate_pick"),
        ({1: "9"}, "not_candidate"),
        ({1: "x"}, "not_candidate"),
        ({4: "1"}, "unknown_category"),
        ({3: "maybe"}, "bad_answer"),
    ],
)
def test_vote_text_problems(parts: dict[int, str], code: str) -> None:
    with pytest.raises(PollProblem) as caught:
        ballot_from_text(form(), parts)
    assert caught.value.code == code


def test_self_vote_barred() -> None:
    barred = form(self_vote=False)
    assert barred.shown(barred.categories[0]) == (1, 3, 4, 5, 6, 7, 8)
    with pytest.raises(PollProblem) as caught:
        ballot_from_text(barred, {1: "2, 3"})
    assert caught.value.code == "self_vote"
    draft = Draft()
    assert toggle(barred, draft, 1, 2) == "not_shown" and draft.choices == {}
    assert barred.shown(barred.categories[3]) == (5,)  # a confirmation is not hidden


def test_ticking_and_answering() -> None:
    ballot_form, draft = form(), Draft()
    assert toggle(ballot_form, draft, 1, 4) is None
    assert toggle(ballot_form, draft, 1, 3) is None
    assert toggle(ballot_form, draft, 1, 5) == "full"
    assert toggle(ballot_form, draft, 1, 4) is None  # untick
    assert toggle(ballot_form, draft, 3, 5) == "not_shown"  # a confirmation is answered
    assert answer(ballot_form, draft, 3, "yes") is None
    assert answer(ballot_form, draft, 0, "yes") == "not_shown"
    assert draft.ballot() == Ballot(choices={1: (3,)}, confirms={3: "yes"})
    assert answer(ballot_form, draft, 3, "yes") is None and draft.confirms == {}  # cleared
    assert check_ballot(ballot_form, draft.ballot()) is None
    assert check_ballot(ballot_form, Ballot(confirms={0: "yes"})) is not None
    assert check_ballot(ballot_form, Ballot(choices={3: (5,)})) is not None


@given(
    st.dictionaries(st.integers(0, 9), st.lists(st.integers(1, 200), max_size=5), max_size=4),
    st.dictionaries(st.integers(0, 9), st.sampled_from(ANSWERS), max_size=3),
)
def test_stored_ballot_round_trip(choices: dict[int, list[int]], confirms: dict[int, str]) -> None:
    ballot = Ballot(choices={i: tuple(p) for i, p in choices.items()}, confirms=confirms)  # type: ignore[arg-type]
    back = decode_ballot(encode_ballot(ballot))
    assert back.choices == {i: tuple(sorted(p)) for i, p in choices.items() if p}
    assert back.confirms == confirms
    assert encode_ballot(back) == encode_ballot(ballot)  # ticking order is not kept


def test_stored_ballot_holds_choices_only() -> None:
    assert (
        encode_ballot(Ballot(choices={1: (4, 3)}, confirms={0: "no"})) == '{"c":{"1":[3,4]},"y":{"0":"no"}}'
    )
    assert decode_ballot("not json") == Ballot()
    assert decode_ballot('{"c": 5}') == Ballot()


def test_the_counting_committee_in_the_rules_line() -> None:
    spec = parse_poll("Bình xét", ["Cờ | 1", "rules: self=no committee=3/5 quorum=3/4"], now=NOW, tz=TZ)
    assert spec.committee == Committee(3, 5) and spec.rules.quorum == Fraction(3, 4)
    assert not spec.rules.self_vote
    assert parse_poll("Bình xét", ["Cờ | 1"], now=NOW, tz=TZ).committee == Committee(2, 3)
    assert parse_rules_line("kiemphieu=1/1", now=NOW, tz=TZ).committee == Committee(1, 1)
    assert parse_rules("committee=2/4 base=ballots", now=NOW, tz=TZ)[0] == Rules(base="ballots")
    for bad in ("committee=4/3", "committee=0/2", "committee=2/16", "committee=hai", "committee="):
        with pytest.raises(PollProblem) as excinfo:
            parse_rules_line(bad, now=NOW, tz=TZ)
        assert excinfo.value.code in ("bad_committee", "bad_rules"), bad


CATS = [
    Category(0, "Cờ", 1, (11, 12, 13)),
    Category(1, "Bằng khen", 2, tuple(range(20, 80))),  # 60 candidates: 8 bytes
    Category(2, "Xác nhận", 1, (13,), "confirm"),
]


def test_a_packed_ballot_has_one_length_per_round_and_comes_back_whole() -> None:
    ballots = [
        Ballot(),
        Ballot(choices={0: (12,), 1: (20, 79)}, confirms={2: "no"}),
        Ballot(choices={1: tuple(range(20, 80))}, confirms={2: "blank"}),
    ]
    packed = [pack_ballot(b, CATS) for b in ballots]
    assert {len(p) for p in packed} == {1 + 1 + 8 + 1}
    for ballot, data in zip(ballots, packed, strict=True):
        back = unpack_ballot(data, CATS)
        assert encode_ballot(back) == encode_ballot(ballot)
    # what no button makes (a non-candidate, a tick twice, a category not counted) keeps its words
    for odd in (Ballot(choices={0: (99,)}), Ballot(choices={0: (12, 12)}), Ballot(choices={7: (12,)})):
        assert unpack_ballot(pack_ballot(odd, CATS), CATS) == decode_ballot(encode_ballot(odd))
    for bad in (b"", b"X", packed[1][:-1], packed[1] + b"\0", b"P" + bytes([0, 0, 0, 0, 0, 0, 0, 0, 0, 9])):
        with pytest.raises(ValueError):
            unpack_ballot(bad, CATS)


def test_counts_are_published_only_with_the_quorum_and_more_than_one_ballot() -> None:
    rules = Rules(quorum=Fraction(1, 8))
    assert withheld_reason(5, 8, Rules()) == "quorum" and withheld_reason(6, 8, Rules()) is None
    assert withheld_reason(1, 8, rules) == "single" and withheld_reason(2, 8, rules) is None
    assert withheld_reason(0, 8, rules) == "quorum"
    result = withheld_round(CATS[:2], returned=1, members=8, rules=rules, reason="single")
    assert (result.returned, result.valid, result.withheld, result.quorum_met) == (1, 0, "single", False)
    assert {c.status for c in result.categories} == {"void"}
    assert all(v == 0 for c in result.categories for v in c.votes.values())
    assert outcome([result]).phase == "void"


# ---- outcomes ------------------------------------------------------------------------------


def picks(*ticks: tuple[int, ...]) -> list[Ballot]:
    return [Ballot(choices={0: t}) for t in ticks]


def test_outcome_phases_and_decisions() -> None:
    cat = Category(0, "Cờ", 2, UNITS[:4])
    ballots = picks(*([(1, 2)] * 3 + [(1, 3)] * 3 + [(2, 3)] * 2))  # 1: 6, 2: 5, 3: 5
    first = tally_round([cat], ballots, members=8, rules=Rules())
    assert outcome([first]).phase == "round2"
    second = tally_round(
        first.next_round(),
        picks(*([(2,)] * 4 + [(3,)] * 4)),
        members=8,
        rules=Rules(),
        round_no=2,
        already_proposed=first.proposals(),
    )
    pending = outcome([first, second])
    assert (pending.phase, pending.undecided, pending.proposals) == ("decide", (0,), {0: (1,)})
    assert check_decision(pending, 0, [4], exclusive=True) == "not_open"
    assert check_decision(pending, 0, [2, 3], exclusive=True) == "too_many"
    assert check_decision(pending, 0, [], exclusive=True) == "bad_units"
    assert check_decision(pending, 1, [2], exclusive=True) == "not_undecided"
    assert check_decision(pending, 0, [3], exclusive=True) is None
    done = outcome([first, second], {0: (3,)})
    assert (done.phase, done.proposals, done.undecided) == ("final", {0: (1, 3)}, ())
    void = outcome([tally_round([cat], picks((1,)), members=8, rules=Rules())])
    assert void.phase == "void" and void.proposals == {}


def test_round_two_without_quorum_goes_to_the_chair() -> None:
    cat = Category(0, "Cờ", 1, UNITS[:3])
    first = tally_round([cat], picks(*([(1,)] * 4 + [(2,)] * 4)), members=8, rules=Rules())
    second = tally_round(first.next_round(), picks((1,)), members=8, rules=Rules(), round_no=2)
    pending = outcome([first, second])
    assert pending.phase == "decide" and check_decision(pending, 0, [3], exclusive=True) is None


def test_result_rows_most_votes_first() -> None:
    cat = Category(0, "Cờ", 1, (5, 6, 7))
    result = tally_round([cat], picks(*([(7,)] * 6 + [(6,)] * 1)), members=8, rules=Rules())
    rows = result_rows(result.categories[0])
    assert [(r.unit, r.votes, r.proposed) for r in rows] == [(7, 6, True), (6, 1, False), (5, 0, False)]
    assert rows[0].share == Fraction(3, 4)


# ---- the chart and the minutes -------------------------------------------------------------


def test_chart_is_a_png_drawn_without_pyplot() -> None:
    chart = Chart(
        "Kết quả",
        (
            Panel(
                "1. Cờ thi đua của Chính phủ",
                (Bar("Công an tỉnh", 6, True), Bar("Bộ Chỉ huy Bộ đội Biên phòng tỉnh " * 3, 0, False)),
                5,
                8,
            ),
        ),
        "Số phiếu",
        "Số phiếu cần đạt",
    )
    png = bar_chart(chart)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    with pytest.raises(ValueError):
        bar_chart(Chart("x", (), "", ""))
    code = (
        "import sys; from bot.polls.charts import Bar, Chart, Panel, bar_chart; "
        "bar_chart(Chart('t', (Panel('p', (Bar('a', 1, True),), 1, 2),), 'v', 'n')); "
        "print('matplotlib.pyplot' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_minutes_docx_reads_back() -> None:
    minutes = Minutes(
        issuer="Khối thi đua số 3",
        place_date="Buôn Ma Thuột, ngày 05 tháng 12 năm 2026",
        title="BIÊN BẢN KIỂM PHIẾU",
        subtitle="Bình xét thi đua năm 2026",
        opening=("Hôm nay, vào hồi 08 giờ 00 phút, ngày 05 tháng 12 năm 2026, tại Hội trường",),
        sections=(
            Section("THÀNH PHẦN", (Item("Thư ký: Lê Thị Thư ký."), Item("Đỗ Quang Thấm", level=2))),
            Section(
                "KẾT QUẢ KIỂM PHIẾU",
                (
                    "Phát ra 8",
                    Table(
                        ("STT", "Đơn vị", "Tỷ lệ"),
                        (("1", "Công an tỉnh", "75,0%"),),
                        "1. Cờ thi đua của Chính phủ",
                        widths=(1.5, 10.5, 4.0),
                        centred=(0, 2),
                    ),
                ),
            ),
        ),
        closing=("Biên bản kết thúc vào hồi 09 giờ 00 phút cùng ngày.",),
        signatures=(
            Signatures((Signer("Thư ký", "Lê Thị Thư ký"), Signer("Chủ trì", "", "Công an tỉnh"))),
            Signatures((Signer("Thành viên", "Đỗ Đức Hà"),), "Ban kiểm phiếu"),
        ),
    )
    doc = Document(io.BytesIO(render_minutes(minutes)))
    assert (round(doc.sections[0].page_width.cm, 1), round(doc.sections[0].page_height.cm, 1)) == (21.0, 29.7)
    heading = doc.tables[0].rows[0].cells
    assert len(heading) == 2 and [round(c.width.cm, 1) for c in heading] == [6.0, 10.0]
    assert "KHỐI THI ĐUA SỐ 3" in heading[0].text and NATIONAL in heading[1].text and MOTTO in heading[1].text
    assert "Buôn Ma Thuột, ngày 05 tháng 12 năm 2026" in heading[1].text  # under the motto
    paragraphs = [p.text for p in doc.paragraphs]
    assert "BIÊN BẢN KIỂM PHIẾU" in paragraphs and "II. KẾT QUẢ KIỂM PHIẾU" in paragraphs
    assert "- Thư ký: Lê Thị Thư ký." in paragraphs and "+ Đỗ Quang Thấm" in paragraphs
    assert paragraphs.index("I. THÀNH PHẦN") > paragraphs.index(minutes.opening[0])
    assert "1. Cờ thi đua của Chính phủ" in paragraphs
    grid = doc.tables[1]
    assert [c.text for c in grid.rows[1].cells] == ["1", "Công an tỉnh", "75,0%"]
    assert [round(c.width.cm, 1) for c in grid.rows[1].cells] == [1.5, 10.5, 4.0]
    signs = "\n".join(c.text for t in doc.tables[2:] for r in t.rows for c in r.cells)
    assert "Lê Thị Thư ký" in signs and SIGN_HINT in signs and "BAN KIỂM PHIẾU" in signs
    assert DOTS in signs  # the presiding person's name is not known: a line to write it on
    langs = {e.get(qn("w:val")) for e in doc.styles.element.iter(qn("w:lang"))}
    assert langs == {"vi-VN"} and doc.core_properties.language == "vi-VN"
    assert doc.core_properties.title.startswith("BIÊN BẢN KIỂM PHIẾU")
    assert "blocbot" not in doc.core_properties.author


def test_minutes_dates_and_part_numbers() -> None:
    assert written_date(datetime(2026, 2, 5)) == ("05", "02", "2026")
    assert written_date(datetime(2026, 12, 19)) == ("19", "12", "2026")
    assert written_date(datetime(2026, 3, 1)) == ("01", "3", "2026")
    assert [roman(n) for n in (1, 2, 3, 4, 5, 9, 14)] == ["I", "II", "III", "IV", "V", "IX", "XIV"]
