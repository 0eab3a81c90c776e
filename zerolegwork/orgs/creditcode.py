"""The unified social credit code (统一社会信用代码), GB 32100-2015, with its check characters."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# positions 9-17 carry the organisation code of GB 11714 with its own check character
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def check_char(first17: str) -> str:
    """The 18th character for the first 17 (GB 32100: modulus 31)."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def _org_check(body8: str) -> str:
    total = sum(int(c, 36) * w for c, w in zip(body8, ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def problem(code: str) -> str | None:
    """Return why `code` is not a valid credit code (English key for translation), or None."""
    if len(code) != 18:
        return "length"
    if any(c not in ALPHABET for c in code):
        return "characters"
    body = code[8:16]
    if all(c.isdigit() or c.isupper() for c in body) and code[16] != _org_check(body):
        return "check"
    if code[17] != check_char(code[:17]):
        return "check"
    return None


def make(prefix8: str, org_body8: str) -> str:
    """Build a valid code from the first 8 characters and an 8-character organisation code body."""
    first17 = prefix8 + org_body8 + _org_check(org_body8)
    return first17 + check_char(first17)
