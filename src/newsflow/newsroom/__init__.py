"""The newsroom's actions: drafts, publish, update, correct, kill, embargo; photos and renditions."""

from newsflow.newsroom.actions import Newsroom
from newsflow.newsroom.media import MediaError, MediaLibrary

__all__ = ["MediaError", "MediaLibrary", "Newsroom"]
