"""Ingest: partner agencies' wires into the store — files, a watched folder, HTTP push, feed polling."""

from newsflow.ingest.service import Ingestor, Outcome, Result

__all__ = ["Ingestor", "Outcome", "Result"]
