"""Backup and restore: the whole system to one portable file (`newsflow export`) and back into an
empty database on either store (`newsflow import`)."""

from newsflow.backup.archive import ArchiveError, Manifest, Progress
from newsflow.backup.export import export_archive
from newsflow.backup.restore import restore_archive

__all__ = ["ArchiveError", "Manifest", "Progress", "export_archive", "restore_archive"]
