"""The subscriber portal face: the wire, search, stories, photos, alerts and bookmarks of one company."""
