"""Accounts: login name, profile and password hash."""

from __future__ import annotations

from datetime import datetime

import pymongo
from beanie import Document
from pydantic import Field
from pymongo import IndexModel

from imchat.models.clock import utcnow


class User(Document):
    username: str
    username_lower: str
    display_name: str
    display_name_lower: str
    avatar_url: str | None = None
    password_hash: str
    is_bot: bool = False
    created_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "users"
        indexes = [
            IndexModel([("username_lower", pymongo.ASCENDING)], unique=True),
            IndexModel([("display_name_lower", pymongo.ASCENDING)]),
        ]
