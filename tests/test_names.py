"""Unit names: NFC, folding, and 'did you mean'."""

from __future__ import annotations

import unicodedata

from bot.core.names import Named, clean, fold, resolve

UNITS = [
    Named(i, n)
    for i, n in enumerate(
        [
            "Bộ Chỉ huy Quân sự tỉnh",
            "Công an tỉnh",
            "Bộ Chỉ huy Bộ đội Biên phòng tỉnh",
            "Sở Tư pháp tỉnh",
            "Viện Kiểm sát nhân dân tỉnh",
            "Tòa án nhân dân tỉnh",
            "Cục Thi hành án dân sự tỉnh",
            "Thanh tra tỉnh",
        ],
        start=1,
    )
]


def test_clean_makes_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "Công an tỉnh")
    assert nfd != "Công an tỉnh"
    assert clean(f"  {nfd}  ") == "Công an tỉnh"


def test_fold_is_diacritic_and_case_insensitive() -> None:
    assert fold("CÔNG AN TỈNH") == fold("cong an tinh") == fold("Công  an tỉnh")
    assert fold("Đắk Lắk") == "dak lak"


def test_resolve_forms() -> None:
    assert resolve("#2", UNITS).found == UNITS[1]
    assert resolve("cong an tinh", UNITS).found == UNITS[1]
    assert resolve(unicodedata.normalize("NFD", "CÔNG AN TỈNH"), UNITS).found == UNITS[1]
    assert resolve("thanh tra", UNITS).found == UNITS[7]


def test_ambiguous_and_unknown() -> None:
    ambiguous = resolve("bo chi huy", UNITS)
    assert ambiguous.found is None and ambiguous.ambiguous
    assert {s.id for s in ambiguous.suggestions} == {1, 3}
    typo = resolve("Cong an tnh", UNITS)
    assert typo.found is None and UNITS[1] in typo.suggestions
    assert resolve("#9", UNITS).found is None
    assert resolve("Ngân hàng", UNITS).found is None
