"""Formats at the edge: each module turns the one story model into bytes and back."""
