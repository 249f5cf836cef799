"""The sealed ballot box: sealing, share codes, opening with k of n, and every refusal."""

from __future__ import annotations

import itertools

import nacl.public
import pytest
from Crypto.Protocol.SecretSharing import Shamir
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.polls.ballots import encode_ballot
from bot.polls.box import (
    ALPHABET,
    BALLOT_SIZE,
    MAX_BALLOT,
    MAX_SHARES,
    SEALED_SIZE,
    BallotError,
    SealedBox,
    Share,
    ShareError,
    make_box,
    open_box,
    parse_share,
    relation,
    seal,
)
from bot.polls.tally import Ballot

BOX, CODES = make_box(2, 3)
SHARES = [parse_share(c) for c in CODES]
OPENER = open_box(BOX, SHARES[::2])
OTHER_BOX, OTHER_CODES = make_box(2, 3, taken={BOX.box_id})


def reason(excinfo: pytest.ExceptionInfo[ShareError]) -> str:
    return excinfo.value.reason


def test_round_trip_of_real_ballots() -> None:
    ballots = [
        encode_ballot(Ballot(choices={0: (3,), 1: (2, 5), 2: (1, 4, 7)})).encode(),
        encode_ballot(Ballot(confirms={0: "blank"})).encode(),
        encode_ballot(Ballot()).encode(),
    ]
    sealed = [seal(BOX.public_key, b) for b in ballots]
    opener = open_box(BOX, SHARES[:2])
    assert [opener.open(s) for s in sealed] == ballots


def test_every_sealed_ballot_has_one_length() -> None:
    contents = [b"", b"x", b"\x00" * 100, bytes(range(256)) + b"y" * (MAX_BALLOT - 256)]
    assert {len(seal(BOX.public_key, c)) for c in contents} == {SEALED_SIZE}
    assert SEALED_SIZE == BALLOT_SIZE + 48


def test_equal_ballots_seal_differently_and_plain_text_does_not_show() -> None:
    ballot = b'{"c":{"0":[3]},"y":{}}'
    first, second = seal(BOX.public_key, ballot), seal(BOX.public_key, ballot)
    assert first != second
    assert ballot not in first


def test_too_long_a_ballot_is_refused() -> None:
    seal(BOX.public_key, b"a" * MAX_BALLOT)
    with pytest.raises(ValueError):
        seal(BOX.public_key, b"a" * (MAX_BALLOT + 1))
    with pytest.raises(ValueError):
        seal(b"short", b"a")


@pytest.mark.parametrize(("k", "n"), [(1, 1), (1, 3), (2, 3), (3, 5), (2, 2)])
def test_every_k_subset_opens_and_no_smaller_one(k: int, n: int) -> None:
    box, codes = make_box(k, n)
    assert (box.k, box.n, len(codes)) == (k, n, n)
    shares = [parse_share(c) for c in codes]
    assert [s.index for s in shares] == list(range(1, n + 1))
    sealed = seal(box.public_key, b"ballot")
    for size in range(1, n + 1):
        for subset in itertools.combinations(shares, size):
            if size >= k:
                assert open_box(box, subset[::-1]).open(sealed) == b"ballot"
            else:
                with pytest.raises(ShareError) as excinfo:
                    open_box(box, subset)
                assert reason(excinfo) == "not_enough"


def test_k_minus_one_holders_cannot_make_up_the_last_share() -> None:
    box, codes = make_box(3, 5)
    first, second = (parse_share(c) for c in codes[:2])
    # Interpolating k-1 points gives some value, not the box key: the unwrap notices.
    guess = Shamir.combine([(first.index, first.value), (second.index, second.value)])
    for value in (guess, bytes(16), first.value):
        with pytest.raises(ShareError) as excinfo:
            open_box(box, [first, second, Share(box.box_id, 3, value)])
        assert reason(excinfo) == "wrong"


def test_a_forged_share_with_a_good_checksum_is_detected() -> None:
    forged = parse_share(Share(BOX.box_id, 2, bytes(16)).code())
    with pytest.raises(ShareError) as excinfo:
        open_box(BOX, [SHARES[0], forged])
    assert reason(excinfo) == "wrong"
    flipped = Share(BOX.box_id, 1, bytes([SHARES[0].value[0] ^ 1]) + SHARES[0].value[1:])
    with pytest.raises(ShareError) as excinfo:
        open_box(BOX, [flipped, SHARES[2]])
    assert reason(excinfo) == "wrong"


def test_a_wrong_extra_share_is_named() -> None:
    forged = Share(BOX.box_id, 3, bytes(16))
    with pytest.raises(ShareError) as excinfo:
        open_box(BOX, [SHARES[1], forged, SHARES[0]])
    assert (reason(excinfo), excinfo.value.index) == ("wrong", 3)
    assert open_box(BOX, SHARES).open(seal(BOX.public_key, b"v")) == b"v"


def test_a_tampered_wrapped_key_is_detected() -> None:
    wrapped = bytearray(BOX.wrapped_private_key)
    wrapped[-1] ^= 1
    tampered = SealedBox(BOX.box_id, BOX.public_key, bytes(wrapped), BOX.k, BOX.n)
    with pytest.raises(ShareError) as excinfo:
        open_box(tampered, SHARES[:2])
    assert reason(excinfo) == "wrong"


def test_a_share_of_another_box_is_refused() -> None:
    other = parse_share(OTHER_CODES[1])
    assert OTHER_BOX.box_id != BOX.box_id
    assert relation(BOX, other) == "other_box"
    assert relation(BOX, SHARES[1]) == "ours"
    with pytest.raises(ShareError) as excinfo:
        open_box(BOX, [SHARES[0], other])
    assert (reason(excinfo), excinfo.value.index) == ("other_box", 2)
    # Same box id but an index beyond n cannot be from this box either.
    assert relation(BOX, Share(BOX.box_id, 4, bytes(16))) == "other_box"


def test_a_share_of_another_box_with_the_same_id_is_wrong() -> None:
    _, twin_codes = make_box(2, 3)
    lookalike = Share(BOX.box_id, 2, parse_share(twin_codes[1]).value)
    with pytest.raises(ShareError) as excinfo:
        open_box(BOX, [SHARES[0], lookalike])
    assert reason(excinfo) == "wrong"


def test_a_duplicate_share_is_refused() -> None:
    with pytest.raises(ShareError) as excinfo:
        open_box(BOX, [SHARES[0], parse_share(CODES[0].lower())])
    assert (reason(excinfo), excinfo.value.index) == ("duplicate", 1)
    with pytest.raises(ShareError) as excinfo:
        open_box(BOX, [SHARES[1], Share(BOX.box_id, 2, bytes(16)), SHARES[2]])
    assert reason(excinfo) == "duplicate"


def test_every_single_character_typo_is_caught_or_refused() -> None:
    code = CODES[0].replace("-", "")
    missed = 0
    for position, wrong in itertools.product(range(len(code)), ALPHABET):
        if wrong == code[position]:
            continue
        typo = code[:position] + wrong + code[position + 1 :]
        try:
            share = parse_share(typo)
        except ShareError as error:
            assert error.reason in {"checksum", "malformed"}
            continue
        missed += 1  # a 12-bit checksum lets about 1 in 4096 through; the unwrap still refuses it
        with pytest.raises(ShareError):
            open_box(BOX, [share, SHARES[1]])
    assert missed <= 6


def test_swapped_neighbours_are_caught() -> None:
    code = CODES[1].replace("-", "")
    for position in range(len(code) - 1):
        if code[position] == code[position + 1]:
            continue
        swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
        with pytest.raises(ShareError):
            open_box(BOX, [parse_share(swapped), SHARES[0]])


def test_codes_are_short_grouped_and_show_box_and_index() -> None:
    for code in CODES:
        assert len(code) <= 40
        groups = code.split("-")
        assert [len(g) for g in groups] == [4] * 8
        assert all(c in ALPHABET for c in "".join(groups))
    assert [c[:4] for c in CODES] == [f"{BOX.box_id}{i}" for i in (1, 2, 3)]


def test_codes_are_read_tolerantly() -> None:
    code = CODES[0]
    plain = code.replace("-", "")
    variants = [
        code.lower(),
        " ".join(code.split("-")),
        plain,
        f"  {plain[:10]} {plain[10:]}\n",
        code.replace("-", "–"),
        code.replace("0", "O").replace("1", "I"),
        code.replace("1", "l"),
    ]
    for variant in variants:
        assert parse_share(variant) == SHARES[0]


@pytest.mark.parametrize(
    "bad", ["", "hello", CODES[0][:-1], CODES[0] + "X", CODES[0].replace(CODES[0][5], "U", 1), "#" * 32]
)
def test_malformed_codes_are_refused(bad: str) -> None:
    with pytest.raises(ShareError) as excinfo:
        parse_share(bad)
    assert reason(excinfo) == "malformed"


def test_two_boxes_never_share_keys() -> None:
    boxes = [make_box(2, 3)[0] for _ in range(20)]
    assert len({b.public_key for b in boxes}) == 20
    assert len({b.wrapped_private_key for b in boxes}) == 20
    sealed = seal(BOX.public_key, b"for box one")
    with pytest.raises(BallotError):
        open_box(OTHER_BOX, [parse_share(c) for c in OTHER_CODES[:2]]).open(sealed)


def test_the_public_key_alone_cannot_open() -> None:
    sealed = seal(BOX.public_key, b"secret choice")
    public_only = nacl.public.SealedBox(nacl.public.PublicKey(BOX.public_key))
    with pytest.raises(TypeError):
        public_only.decrypt(sealed)  # type: ignore[misc]  # the type checker refuses it too


def test_a_tampered_or_cut_sealed_ballot_is_refused() -> None:
    opener = open_box(BOX, SHARES[1:])
    sealed = bytearray(seal(BOX.public_key, b"x"))
    sealed[100] ^= 1
    with pytest.raises(BallotError):
        opener.open(bytes(sealed))
    with pytest.raises(BallotError):
        opener.open(bytes(sealed[:-1]))


def test_secrets_do_not_show_in_reprs() -> None:
    opener = open_box(BOX, SHARES[:2])
    assert SHARES[0].value.hex() not in repr(SHARES[0])
    assert repr(opener) == f"Opener(box_id={BOX.box_id!r})"


@pytest.mark.parametrize(("k", "n"), [(0, 3), (3, 2), (2, MAX_SHARES + 1), (-1, 1)])
def test_bad_thresholds_are_refused(k: int, n: int) -> None:
    with pytest.raises(ValueError):
        make_box(k, n)


def test_taken_box_ids_are_avoided() -> None:
    taken = {make_box(1, 1)[0].box_id for _ in range(30)}
    assert all(make_box(1, 1, taken=taken)[0].box_id not in taken for _ in range(10))


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=MAX_BALLOT))
def test_any_ballot_bytes_round_trip(ballot: bytes) -> None:
    sealed = seal(BOX.public_key, ballot)
    assert len(sealed) == SEALED_SIZE
    assert OPENER.open(sealed) == ballot
