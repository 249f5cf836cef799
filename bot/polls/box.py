"""The sealed ballot box, pure: a key pair per poll round, shared among the counting committee.

When a round opens, ``make_box`` makes a fresh X25519 key pair. The public key is stored and
every ballot is padded to one length and sealed to it (``seal``: libsodium's sealed box, a new
ephemeral key per ballot). The private key is stored only wrapped (XSalsa20-Poly1305) under a
random box key, and the box key is split k of n (Shamir over GF(2^128)) among the counting
committee (Ban kiểm phiếu), one share code per holder. To count, k holders paste their codes
(``parse_share``); ``open_box`` combines them, unwraps the private key and returns an
``Opener`` whose ``open`` gives back each plain ballot.

What this protects against:
- Reading the database (an operator, a backup, a stolen disk): it holds the public key, the
  wrapped private key and sealed ballots, none of which reads without k shares.
- Fewer than k holders, even together: k-1 shares say nothing about the box key (Shamir's
  scheme is information-theoretic); ``open_box`` refuses them (``not_enough``).
- Lengths and repeats: every sealed ballot is ``SEALED_SIZE`` bytes whatever it says, and two
  equal ballots seal to unrelated bytes.
- Mistakes: a typo fails the code's checksum, a code for another box or a repeated share is
  refused by name, and a wrong combination of shares (a forged or mixed-up share that passes the
  checksum) fails the authenticated unwrap: it is refused (``wrong``), never garbage.

What it does not protect against:
- k holders colluding, with the database: they can open the box at any time, even while the
  round is still open. Choosing the committee is the bloc's trust decision.
- The chat platform: it carries each button press and ``/vote`` text in the clear.
- A modified bot, or anyone reading the running process: ballots are plain in memory before
  they are sealed, and the private key is plain in memory while counting.
- Stuffing or removal: anyone with the public key can seal a ballot, and this module cannot
  tell which sealed ballots should exist; one ballot per unit is the storage's rule.
- The share code's checksum is a typo check, not a signature: anyone can make a code that
  passes it. Only the unwrap tells a right combination from a wrong one.

Python cannot wipe memory: secrets (the box key, its shares, the private key) live in bytes
objects that are dropped as soon as they are not needed, but copies may linger until the
memory is reused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Literal

import nacl.bindings
import nacl.exceptions
import nacl.public
import nacl.secret
import nacl.utils
from Crypto.Protocol.SecretSharing import Shamir

BALLOT_SIZE = 512  # every ballot is padded to this many bytes before sealing
MAX_BALLOT = BALLOT_SIZE - 1  # the padding (ISO/IEC 7816-4) takes at least one byte
SEALED_SIZE = BALLOT_SIZE + nacl.bindings.crypto_box_SEALBYTES  # 560: what is stored per ballot
MAX_SHARES = 15  # a share code has room for indexes 1..31; a committee is a handful of people
KEY_SIZE = nacl.public.PublicKey.SIZE  # 32
WRAPPED_SIZE = nacl.secret.SecretBox.NONCE_SIZE + KEY_SIZE + nacl.secret.SecretBox.MACBYTES  # 72

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
CODE_CHARS = 32  # 160 bits: box id 15, index 5, share 128, checksum 12
GROUP = 4  # characters per group in a code; groups are joined by "-"
BOX_ID_CHARS = 3

_SECRET_SIZE = 16  # Shamir in pycryptodome shares 16-byte secrets
_BOX_ID_BITS = 5 * BOX_ID_CHARS
_INDEX_BITS = 5
_VALUE_BITS = 8 * _SECRET_SIZE
_CHECK_BITS = 12
_KEY_PERSON = b"blocbot-box-key"
_CHECK_PERSON = b"blocbot-share"
_SEPARATORS = "-_.‐‑‒–—"  # and any whitespace: what phones and people put between groups
_DECODE = {c: i for i, c in enumerate(ALPHABET)} | {"O": 0, "I": 1, "L": 1}

ShareProblem = Literal["malformed", "checksum", "other_box", "duplicate", "not_enough", "wrong"]
Relation = Literal["ours", "other_box"]


class ShareError(ValueError):
    """A share code or a set of shares that cannot be used, and why.

    ``malformed``: not a share code at all; ``checksum``: a typo; ``other_box``: a code for
    another poll or round; ``duplicate``: a share index given twice; ``not_enough``: fewer than
    k shares; ``wrong``: the shares do not open this box (one is forged or mistaken).
    ``index`` names the share concerned, where one is known.
    """

    def __init__(self, reason: ShareProblem, index: int | None = None) -> None:
        super().__init__(reason if index is None else f"{reason} (share {index})")
        self.reason: ShareProblem = reason
        self.index = index


class BallotError(ValueError):
    """A stored sealed ballot that does not open with this box (tampered, or from another box)."""


@dataclass(frozen=True)
class SealedBox:
    """What is stored of a ballot box: nothing here opens it without k shares."""

    box_id: str  # 3 Crockford base32 characters, shown in each share code
    public_key: bytes
    wrapped_private_key: bytes
    k: int
    n: int

    def __post_init__(self) -> None:
        _check_counts(self.k, self.n)
        if len(self.box_id) != BOX_ID_CHARS or any(c not in ALPHABET for c in self.box_id):
            raise ValueError(f"box id must be {BOX_ID_CHARS} Crockford base32 characters")
        if len(self.public_key) != KEY_SIZE or len(self.wrapped_private_key) != WRAPPED_SIZE:
            raise ValueError("public key or wrapped private key has the wrong length")


@dataclass(frozen=True)
class Share:
    """One holder's share of a box key: which box, which share (1..n), the secret value."""

    box_id: str
    index: int
    value: bytes = field(repr=False)  # 16 bytes; never logged

    def __post_init__(self) -> None:
        if len(self.box_id) != BOX_ID_CHARS or any(c not in ALPHABET for c in self.box_id):
            raise ValueError(f"box id must be {BOX_ID_CHARS} Crockford base32 characters")
        if not 1 <= self.index <= MAX_SHARES:
            raise ValueError(f"share index must be in 1..{MAX_SHARES}")
        if len(self.value) != _SECRET_SIZE:
            raise ValueError(f"share value must be {_SECRET_SIZE} bytes")

    def code(self) -> str:
        """The share as its holder pastes it: 8 groups of 4 characters, e.g. ``K7M2-…``.

        The first group is the box id and the share index (1-9, A-F); the last 12 bits are
        a checksum over all the rest.
        """
        head = (_box_number(self.box_id) << _INDEX_BITS | self.index) << _VALUE_BITS
        body = head | int.from_bytes(self.value, "big")
        number = body << _CHECK_BITS | _checksum(body)
        chars = "".join(ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(CODE_CHARS)))
        return "-".join(chars[i : i + GROUP] for i in range(0, CODE_CHARS, GROUP))


class Opener:
    """An opened box: opens each sealed ballot of its round. Holds the private key in memory."""

    __slots__ = ("_unsealer", "box_id")

    def __init__(self, box_id: str, private_key: nacl.public.PrivateKey) -> None:
        self.box_id = box_id
        self._unsealer = nacl.public.SealedBox(private_key)

    def __repr__(self) -> str:
        return f"Opener(box_id={self.box_id!r})"

    def open(self, sealed: bytes) -> bytes:
        """The plain ballot bytes of one sealed ballot; BallotError if it does not open."""
        if len(sealed) != SEALED_SIZE:
            raise BallotError(f"a sealed ballot is {SEALED_SIZE} bytes, got {len(sealed)}")
        try:
            padded = self._unsealer.decrypt(sealed)
            return nacl.bindings.sodium_unpad(padded, BALLOT_SIZE)
        except nacl.exceptions.CryptoError as error:
            raise BallotError("sealed ballot does not open with this box") from error


def make_box(k: int = 2, n: int = 3, *, taken: Collection[str] = ()) -> tuple[SealedBox, list[str]]:
    """A fresh box for one poll round: what to store, and the n share codes (share i at i-1).

    ``taken`` lists box ids to avoid (e.g. the bloc's other boxes), so their codes never look
    alike. Each code is to be delivered privately to one holder and not kept by the bot.
    """
    _check_counts(k, n)
    box_id = _new_box_id(taken)
    private_key = nacl.public.PrivateKey.generate()
    secret = nacl.utils.random(_SECRET_SIZE)
    wrapped = nacl.secret.SecretBox(_box_key(secret)).encrypt(bytes(private_key))
    parts = Shamir.split(k, n, secret)
    del secret  # see the module docstring: dropped, not wiped
    box = SealedBox(box_id, bytes(private_key.public_key), bytes(wrapped), k, n)
    codes = [Share(box_id, index, value).code() for index, value in parts]
    return box, codes


def seal(box_public_key: bytes, ballot: bytes) -> bytes:
    """A ballot padded to BALLOT_SIZE and sealed to the box: always SEALED_SIZE bytes.

    ValueError if the ballot is longer than MAX_BALLOT or the key is not a public key.
    """
    if len(ballot) > MAX_BALLOT:
        raise ValueError(f"a ballot holds at most {MAX_BALLOT} bytes, got {len(ballot)}")
    if len(box_public_key) != KEY_SIZE:
        raise ValueError(f"a box public key is {KEY_SIZE} bytes")
    padded = nacl.bindings.sodium_pad(bytes(ballot), BALLOT_SIZE)
    return nacl.public.SealedBox(nacl.public.PublicKey(bytes(box_public_key))).encrypt(padded)


def parse_share(code: str) -> Share:
    """A pasted share code back as a Share; ShareError ``malformed`` or ``checksum``.

    Case, spaces, dashes and the look-alikes O/0, I/L/1 do not matter.
    """
    chars = "".join(code.split()).upper()
    for separator in _SEPARATORS:
        chars = chars.replace(separator, "")
    if len(chars) != CODE_CHARS or any(c not in _DECODE for c in chars):
        raise ShareError("malformed")
    number = 0
    for c in chars:
        number = number << 5 | _DECODE[c]
    body, check = number >> _CHECK_BITS, number & ((1 << _CHECK_BITS) - 1)
    if _checksum(body) != check:
        raise ShareError("checksum")
    value = (body & ((1 << _VALUE_BITS) - 1)).to_bytes(_SECRET_SIZE, "big")
    index = (body >> _VALUE_BITS) & ((1 << _INDEX_BITS) - 1)
    box_number = body >> (_VALUE_BITS + _INDEX_BITS)
    if not 1 <= index <= MAX_SHARES:
        raise ShareError("malformed")
    return Share(_box_id(box_number), index, value)


def relation(box: SealedBox, share: Share) -> Relation:
    """Whether a share belongs to this box (same box id, index within 1..n) or to another one."""
    return "ours" if share.box_id == box.box_id and share.index <= box.n else "other_box"


def open_box(box: SealedBox, shares: Sequence[Share]) -> Opener:
    """Combine the shares and open the box; ShareError if they cannot.

    Checked in this order: every share is for this box (``other_box``), no index is given twice
    (``duplicate``), at least k shares (``not_enough``), and the shares open it (``wrong``).
    The first k shares by index open the box; each further share must agree with them, else it
    is named as ``wrong``.
    """
    seen: set[int] = set()
    for share in shares:
        if relation(box, share) != "ours":
            raise ShareError("other_box", share.index)
        if share.index in seen:
            raise ShareError("duplicate", share.index)
        seen.add(share.index)
    if len(shares) < box.k:
        raise ShareError("not_enough")
    ordered = sorted(shares, key=lambda s: s.index)
    base = [(s.index, s.value) for s in ordered[: box.k]]
    secret = Shamir.combine(base)
    try:
        raw = nacl.secret.SecretBox(_box_key(secret)).decrypt(box.wrapped_private_key)
    except nacl.exceptions.CryptoError as error:
        raise ShareError("wrong") from error
    for extra in ordered[box.k :]:
        if Shamir.combine([*base[: box.k - 1], (extra.index, extra.value)]) != secret:
            raise ShareError("wrong", extra.index)
    del secret
    private_key = nacl.public.PrivateKey(raw)
    del raw
    if bytes(private_key.public_key) != box.public_key:
        raise ValueError("stored box is inconsistent: its public key does not match its private key")
    return Opener(box.box_id, private_key)


def _check_counts(k: int, n: int) -> None:
    if not 1 <= k <= n <= MAX_SHARES:
        raise ValueError(f"need 1 <= k <= n <= {MAX_SHARES}, got k={k}, n={n}")


def _box_key(secret: bytes) -> bytes:
    """The 32-byte wrapping key from the 16-byte shared secret (keyed BLAKE2b as a KDF)."""
    return hashlib.blake2b(
        key=secret, digest_size=nacl.secret.SecretBox.KEY_SIZE, person=_KEY_PERSON
    ).digest()


def _checksum(body: int) -> int:
    """12 check bits over the code's first 148 bits (box id, index, share value)."""
    data = body.to_bytes(19, "big")
    return int.from_bytes(hashlib.blake2b(data, digest_size=2, person=_CHECK_PERSON).digest(), "big") >> 4


def _box_number(box_id: str) -> int:
    number = 0
    for c in box_id:
        number = number << 5 | ALPHABET.index(c)
    return number


def _box_id(number: int) -> str:
    return "".join(ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(BOX_ID_CHARS)))


def _new_box_id(taken: Collection[str]) -> str:
    for _ in range(64):
        number = int.from_bytes(nacl.utils.random(2), "big") >> (16 - _BOX_ID_BITS)
        box_id = _box_id(number)
        if box_id not in taken:
            return box_id
    raise ValueError("no free box id")
