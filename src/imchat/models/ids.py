"""The id of a stored document, typed as present."""

from __future__ import annotations

from beanie import Document, PydanticObjectId


def id_of(document: Document) -> PydanticObjectId:
    """Beanie types `id` as optional until a document is inserted; stored ones have it."""
    if document.id is None:
        raise ValueError(f"{type(document).__name__} has not been stored yet")
    return document.id
