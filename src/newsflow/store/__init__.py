"""Persistence: stories, immutable versions, the distribution log, media and accounts."""

from newsflow.errors import Conflict, NotFound
from newsflow.store.store import Store, StoryRecord, User, new_guid

__all__ = ["Conflict", "NotFound", "Store", "StoryRecord", "User", "new_guid"]
