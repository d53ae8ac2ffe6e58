"""Formats at the edge: each module turns the one story model into bytes and back.

`registry` names every download format and renders through the cache; `detect` finds a file's
format and its parser; `xmlsafe` is the only way XML is parsed.
"""
