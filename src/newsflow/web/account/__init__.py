"""Signing in and out, and one's own password: the door every staff and subscriber face shares."""
