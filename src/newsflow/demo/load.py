"""Load the demo stories into an empty newsroom: photos, drafts, related links, publishing, then
the desk's follow-ups (an update, a correction, a kill) and one story held under embargo.

Every step goes through `Newsroom`. By default the publishing is back-dated, spread over the three
days before `now`, so lists, feeds and the public site look like a working wire; with `spread=None`
every step happens at the current time. The kill always carries the current time.
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from newsflow.demo import clips
from newsflow.demo.images import demo_chart, demo_photo
from newsflow.demo.stories import STORIES, DemoPhoto, DemoStory
from newsflow.model import EventKind, ItemKind, Photo, Story, utcnow
from newsflow.newsroom import MediaLibrary, Newsroom

log = logging.getLogger("newsflow.demo")
CLIP_KINDS = (ItemKind.video, ItemKind.audio)

SPREAD = timedelta(days=3)
_LAST_GAP = timedelta(minutes=30)  # the newest demo story goes out this long before `now`
_DRAFTED_BEFORE = timedelta(minutes=25)  # drafts are created this long before they are published


@dataclass(frozen=True)
class _Step:
    when: datetime | None
    kind: EventKind
    demo: DemoStory


def load_demo(newsroom: Newsroom, media: MediaLibrary, *, now: datetime | None = None,
              spread: timedelta | None = SPREAD) -> int:
    """Create, link and publish every demo story; returns how many stories were created.

    Meant for an empty database: running it twice loads a second copy.
    """
    now = now or utcnow()
    stories = STORIES
    if not clips.available():
        stories = [demo for demo in STORIES if not any(p.kind in CLIP_KINDS for p in demo.photos)]
        log.warning("demo: ffmpeg is not installed (apt-get install ffmpeg), so its %d video and audio items "
                    "are left out", len(STORIES) - len(stories))
    times = _schedule(stories, now, spread)
    uploaded: dict[str, str] = {}  # photo seed -> media id, so translations share one picture

    guids: dict[str, str] = {}
    for demo, when in zip(stories, times, strict=True):
        draft = _draft(demo, media, uploaded, now)
        record = newsroom.create(draft, now=when - _DRAFTED_BEFORE if when else None)
        guids[demo.key] = record.guid

    # second pass: related links can only name guids once every story exists
    for demo in stories:
        if demo.related:
            newsroom.edit(guids[demo.key], {"related": [guids[key] for key in demo.related]})

    for step in _steps(stories, times, now):
        guid = guids[step.demo.key]
        follow_ups = {EventKind.update: step.demo.update, EventKind.correct: step.demo.correction}
        follow_up = follow_ups.get(step.kind)
        if follow_up is not None:
            newsroom.edit(guid, follow_up.changes)
        _publish(newsroom, guid, step.kind, step.when, follow_up.note if follow_up else None)

    for demo in stories:
        if demo.kill:
            newsroom.kill(guids[demo.key], demo.kill)
    return len(stories)


def _draft(demo: DemoStory, media: MediaLibrary, uploaded: dict[str, str], now: datetime) -> Story:
    photos = []
    for index, spec in enumerate(demo.photos):
        seed = spec.seed or f"{demo.key}-{index + 1}"
        if seed not in uploaded:
            data, extension = _media_file(demo, spec, seed)
            record = media.add(data, filename=f"{seed}.{extension}", caption=spec.caption, credit=spec.credit,
                               kind=spec.kind)
            uploaded[seed] = record["id"]
        photos.append(Photo(kind=spec.kind, media_id=uploaded[seed], title=spec.title, caption=spec.caption,
                            credit=spec.credit, alt=spec.alt))
    embargo = now + timedelta(hours=demo.embargo_hours) if demo.embargo_hours is not None else None
    return Story(**demo.fields, photos=photos, embargo=embargo)


def _media_file(demo: DemoStory, spec: DemoPhoto, seed: str) -> tuple[bytes, str]:
    """The generated file of a demo media object and its extension."""
    if spec.kind == ItemKind.graphic:
        return demo_chart(spec.title, list(spec.chart), spec.unit), "png"
    if spec.kind in CLIP_KINDS:
        made = clips.demo_clip(spec.kind.value, spec.seconds)
        if made is None:
            raise RuntimeError(f"demo: ffmpeg could not make the {spec.kind.value} clip of {demo.key!r}")
        return made
    return demo_photo(seed, f"{demo.key} / {spec.title}"), "jpg"


def _schedule(stories: list[DemoStory], now: datetime, spread: timedelta | None) -> list[datetime | None]:
    """First-publication times: evenly over `spread`, oldest first, nudged a little per story."""
    if spread is None:
        return [None] * len(stories)
    start, end = now - spread, now - _LAST_GAP
    step = (end - start) / max(len(stories) - 1, 1)
    times: list[datetime | None] = []
    for index, demo in enumerate(stories):
        # a deterministic nudge of up to a third of a step either way, so times are not too regular
        nudge = (zlib.crc32(demo.key.encode()) % 1000 / 1000 - 0.5) * 2 / 3
        when = start + step * index if index in (0, len(stories) - 1) else start + step * (index + nudge)
        times.append(when.replace(microsecond=0))
    return times


def _steps(stories: list[DemoStory], times: list[datetime | None], now: datetime) -> list[_Step]:
    """Every publish, update and correction, in time order (so log order matches time order)."""
    steps = []
    for demo, when in zip(stories, times, strict=True):
        steps.append(_Step(when, EventKind.publish, demo))
        for kind, follow_up in ((EventKind.update, demo.update), (EventKind.correct, demo.correction)):
            if follow_up is None:
                continue
            later = None
            if when is not None:
                later = min(when + timedelta(hours=follow_up.after_hours), now - timedelta(minutes=1))
                later = max(later, when + timedelta(seconds=1))
            steps.append(_Step(later, kind, demo))
    if any(step.when is None for step in steps):
        return steps  # no backdating: list order is publish first, then its follow-ups
    return sorted(steps, key=lambda step: step.when or now)


def _publish(newsroom: Newsroom, guid: str, kind: EventKind, when: datetime | None, note: str | None) -> None:
    if kind is EventKind.publish:
        newsroom.publish(guid, now=when)
    elif kind is EventKind.update:
        newsroom.update(guid, editor_note=note, now=when)
    else:
        newsroom.correct(guid, note or "Corrected.", now=when)
