"""Checks of untrusted input shared by the services."""

from __future__ import annotations

import re

from beanie import PydanticObjectId
from bson.errors import InvalidId

from imchat.errors import bad_input

USERNAME_PATTERN = re.compile(r"[A-Za-z0-9_.-]{3,32}")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
MAX_DISPLAY_NAME_LENGTH = 64
MAX_URL_LENGTH = 2048
MAX_NOTE_LENGTH = 500
MAX_SEARCH_LENGTH = 64
MAX_PAGE_SIZE = 100


def check_username(username: str) -> str:
    if not USERNAME_PATTERN.fullmatch(username):
        raise bad_input("Username must be 3-32 characters of letters, digits, '_', '.' or '-'")
    return username


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise bad_input(f"Password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise bad_input(f"Password must be at most {MAX_PASSWORD_LENGTH} characters")
    return password


def check_text(value: str | None, field: str, max_length: int, *, allow_empty: bool) -> str | None:
    """Trimmed text within its length limit; None stays None."""
    if value is None:
        return None
    if len(value) > max_length * 4:
        # Refuse huge inputs before any further work on them.
        raise bad_input(f"{field} must be at most {max_length} characters")
    trimmed = value.strip()
    if not trimmed and not allow_empty:
        raise bad_input(f"{field} must not be empty")
    if len(trimmed) > max_length:
        raise bad_input(f"{field} must be at most {max_length} characters")
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in trimmed):
        raise bad_input(f"{field} must not contain control characters")
    return trimmed


def check_url(value: str | None, field: str) -> str | None:
    url = check_text(value, field, MAX_URL_LENGTH, allow_empty=True)
    if url and not url.startswith(("https://", "http://", "/")):
        raise bad_input(f"{field} must be an http(s) URL or a path on this server")
    return url or None


def check_page_size(first: int | None, default: int = 20) -> int:
    size = default if first is None else first
    if size < 1 or size > MAX_PAGE_SIZE:
        raise bad_input(f"Page size must be between 1 and {MAX_PAGE_SIZE}")
    return size


def parse_id(value: str, what: str) -> PydanticObjectId:
    try:
        return PydanticObjectId(value)
    except (InvalidId, TypeError, ValueError):
        raise bad_input(f"{what} is not a valid id") from None
