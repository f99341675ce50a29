"""An address as a reader typed it -> its normal form, or None: email-validator's syntax rules, no DNS look-up
(a sign-up must not wait on, or leak to, the network; the confirmation email proves the address works)."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

MAX_LENGTH = 254  # RFC 5321's limit on a forward path


def normalize(address: str) -> str | None:
    """The address in normal form (Unicode NFC, IDNA domain), in lowercase: one reader is one row whatever the
    case they type it in (providers treat local parts case-insensitively); None when it is not an address."""
    address = address.strip()
    if not address or len(address) > MAX_LENGTH:
        return None
    try:
        valid = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return None
    return str(valid.normalized).lower()
