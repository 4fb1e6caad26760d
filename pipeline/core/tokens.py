"""Survey tokens: the invitation code of one certified person for one wave of one certification.

A token is derived from the person's pseudonym (``candidate_hash``) with the pseudonymisation key, so the
answers of a survey tool come back to the right person without the warehouse storing any token or any
identity, and without anyone holding only tokens (the survey tool's administrators) being able to link
them to the warehouse's rows:

* the 16-byte pseudonym goes through a keyed pseudo-random permutation (a 4-round Feistel network whose
  round function is HMAC-SHA256 under the key, tweaked by certification and wave: Luby–Rackoff), so the
  token reveals nothing of the pseudonym and differs for each wave and certification;
* the last day the token is valid (``validuntil`` of the invitation, days since 2000-01-01) follows in
  clear, so an answer sent after it is recognised without the warehouse;
* a 3-byte tag (HMAC of the rest, certification and wave) tells a token of this campaign from a typo or
  a token of another certification or wave.

21 bytes in base32 (A–Z, 2–7): 34 characters, within LimeSurvey's 35-character token field.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

EPOCH = date(2000, 1, 1)
LENGTH = 34
_ROUNDS = 4


def _round(key: bytes, tweak: bytes, i: int, half: bytes) -> bytes:
    return hmac.new(
        key, b"insertion/survey-token/v1/round/%d/" % i + tweak + b"/" + half, hashlib.sha256
    ).digest()[:8]


def _tweak(certification: str, wave: int) -> bytes:
    return f"{certification.upper()}/{int(wave)}".encode()


def _tag(key: bytes, tweak: bytes, body: bytes) -> bytes:
    return hmac.new(key, b"insertion/survey-token/v1/tag/" + tweak + b"/" + body, hashlib.sha256).digest()[:3]


def _permute(key: bytes, tweak: bytes, block: bytes, inverse: bool = False) -> bytes:
    left, right = block[:8], block[8:]
    rounds = range(_ROUNDS - 1, -1, -1) if inverse else range(_ROUNDS)
    for i in rounds:
        if inverse:
            left, right = bytes(a ^ b for a, b in zip(right, _round(key, tweak, i, left), strict=True)), left
        else:
            left, right = right, bytes(a ^ b for a, b in zip(left, _round(key, tweak, i, right), strict=True))
    return left + right


def make(key: bytes, candidate_hash: str, certification: str, wave: int, valid_until: date) -> str:
    """The token of one person (pseudonym as 32 hex characters or a UUID) for one wave."""
    tweak = _tweak(certification, wave)
    block = _permute(key, tweak, uuid.UUID(str(candidate_hash)).bytes)
    days = (valid_until - EPOCH).days
    if not 0 <= days < 1 << 16:
        raise ValueError(f"date de fin de validité hors limites : {valid_until}")
    body = block + days.to_bytes(2, "big")
    return base64.b32encode(body + _tag(key, tweak, body)).decode()[:LENGTH]


@dataclass(frozen=True)
class Decoded:
    candidate_hash: str  # 32 hex characters, as the warehouse's uuid without dashes
    valid_until: date


def read(key: bytes, token: str, certification: str, wave: int) -> Decoded | None:
    """The person and last valid day of a token of this certification and wave; None when the token was
    not issued for them (a typo, another certification or wave, another key)."""
    text = "".join(str(token).split()).upper()
    if len(text) != LENGTH:
        return None
    try:
        raw = base64.b32decode(text + "=" * 6)
    except ValueError:
        return None
    if base64.b32encode(raw).decode()[:LENGTH] != text:
        return None  # the last character's unused bits changed: not a token this module wrote
    body, tag = raw[:18], raw[18:21]
    tweak = _tweak(certification, wave)
    if not hmac.compare_digest(tag, _tag(key, tweak, body)):
        return None
    person = _permute(key, tweak, body[:16], inverse=True)
    return Decoded(person.hex(), EPOCH + timedelta(days=int.from_bytes(body[16:18], "big")))
