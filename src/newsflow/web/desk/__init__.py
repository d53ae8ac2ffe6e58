"""The newsroom desk face: the story list, the editor, and the live view of what goes out."""
