"""Media: pictures, graphics, video and audio uploads and their renditions (see library.py)."""

from newsflow.newsroom.media.errors import MediaError
from newsflow.newsroom.media.library import MediaLibrary, RenditionHook, Upload, current_upload

__all__ = ["MediaError", "MediaLibrary", "RenditionHook", "Upload", "current_upload"]
