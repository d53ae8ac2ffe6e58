"""Newsflow: a news agency broadcasting system."""

__version__ = "0.1.0"
