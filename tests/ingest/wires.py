"""Small NewsML-G2 items written for the ingest tests (each valid against the NewsML-G2 2.35 schema)."""

from __future__ import annotations


def g2_item(guid: str, headline: str, *, version: int = 1, provider: str = "Example Wire", item_meta: str = "",
            admin_meta: str = "", content_meta: str = "",
            body: str = "<p>The quay was under water by noon.</p>") -> bytes:
    """A text newsItem; `item_meta` and `content_meta` are extra elements at the end of those blocks,
    `admin_meta` the administrative ones of contentMeta (altId, …), which come before the headline."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="{guid}" version="{version}"
  standard="NewsML-G2" standardversion="2.35" conformance="power" xml:lang="en">
  <catalogRef href="http://www.iptc.org/std/catalog/catalog.IPTC-G2-Standards_38.xml"/>
  <itemMeta>
    <itemClass qcode="ninat:text"/>
    <provider literal="{provider}"/>
    <versionCreated>2026-03-01T10:00:00Z</versionCreated>
    <pubStatus qcode="stat:usable"/>{item_meta}
  </itemMeta>
  <contentMeta>{admin_meta}
    <headline>{headline}</headline>{content_meta}
  </contentMeta>
  <contentSet><inlineXML contenttype="application/xhtml+xml"><html xmlns="http://www.w3.org/1999/xhtml">
    <head><title>{headline}</title></head><body>{body}</body></html></inlineXML></contentSet>
</newsItem>""".encode()
