"""Demo content: invented wire stories with generated photos, loaded through the newsroom.

Everything here was written for Newsflow; the people, companies, towns and events are fictional.
`load_demo` fills an empty database so the desk, the channels and the public site have something
to show: several desks and languages, a dossier, a translation group, an update, a correction, a kill
and an embargo.
"""

from newsflow.demo.load import load_demo
from newsflow.demo.stories import STORIES, DemoPhoto, DemoStory, FollowUp

__all__ = ["STORIES", "DemoPhoto", "DemoStory", "FollowUp", "load_demo"]
