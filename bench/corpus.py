"""Fill a Newsflow store with N realistic stories, the way ingest writes them, for the scale benchmark.

Every story goes through `Store.ingest_versions` (the batch path wire ingest uses), with the
product entitlement wired as `newsflow serve` wires it, so versions, stories, the event log, the
search index and each event's product stamps are all written as in production and every channel
can read the result.

The corpus is an archive: about `--per-day` stories a day from 2022 on, six languages (en, de, fr,
es, tr, ar), bodies of a few hundred to several thousand words in paragraphs, one or two categories,
half in a running dossier, remote photos with captions and credits, few flashes, later updates,
corrections and kills of a small share, embargoes (most already over when written, so the store
keeps none, as it does for a wire item whose embargo has passed; a few in the future, held). Story
`i` depends only on (seed, i), and a later version is written at a fixed position after its story,
so a corpus grown in steps (`--start`) is the same as one written at once.

    .venv/bin/python bench/corpus.py --stories 100000 --database-url sqlite:////tmp/corpus.db --products
    .venv/bin/python bench/corpus.py --stories 900000 --start 100000 --database-url sqlite:////tmp/corpus.db
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import math
import multiprocessing
import pstats
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus_words import (
    CATEGORIES,
    COUNTRIES,
    DOSSIERS,
    PHOTOGRAPHERS,
    PLACES,
    REPORTERS,
    SUBJECTS,
    SYLLABLES,
    WORDS,
)
from newsflow.model import Concept, Contributor, Photo, PubStatus, Rendition, StoryVersion, utcnow
from newsflow.store import Store
from newsflow.wire.archive import stamp_product
from newsflow.wire.subscribers import Subscribers

ARCHIVE_START = datetime(2022, 1, 3, 6, 0, tzinfo=UTC)
PER_DAY = 700  # an agency desk's daily output across its languages: 1M stories ≈ 4 years
BATCH = 1000  # versions per ingest_versions call (one transaction)
LANGUAGES = (("en", 50), ("de", 12), ("fr", 12), ("es", 11), ("tr", 8), ("ar", 7))
# Urgency 1 is a flash: a handful per thousand.
URGENCIES = ((1, 2), (2, 10), (3, 60), (4, 250), (5, 450), (6, 150), (7, 60), (8, 18))
MAX_DELAY = 400  # a later version comes at most this many stories after its first (≈ 14 hours)

# Products `--products` creates: what a small agency sells, so each event gets stamped.
PRODUCTS: dict[str, dict[str, object]] = {
    "Everything": {},
    "World service (English)": {"languages": ["en"], "categories": ["World", "Europe", "Politics"]},
    "Sport": {"categories": ["Sport"]},
    "Deutschsprachiger Dienst": {"languages": ["de"]},
    "Flashes and urgents": {"urgency_max": 3},
    "Pictures": {"media_types": ["picture"]},
    "Economy and energy": {"categories": ["Economy"], "dossiers": [d for d in DOSSIERS if "Energy" in d]},
}


def _pick(rng: random.Random, weighted: tuple[tuple[object, int], ...]) -> object:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _seeded(seed: int, i: int) -> random.Random:
    # A stable per-story stream: story i is the same whatever else the run writes.
    return random.Random(hashlib.blake2b(f"{seed}:{i}".encode(), digest_size=8).digest())


class Text:
    """Word streams drawn once per language from the seed; a story's sentences are slices of them
    at random offsets, so a story costs a few slices rather than a random draw per word.

    A stream mixes the language's common words, Zipf-weighted (the first of a list most often), with
    one word in twelve from a long tail of coined ones (`RARE` names and terms per language): a
    common word is in most stories of its language, a coined one in a few per hundred thousand."""

    STREAM = 400_000  # words per language
    RARE = 20_000  # coined words per language
    RARE_SHARE = 1 / 12

    def __init__(self, seed: int) -> None:
        self.streams: dict[str, list[str]] = {}
        self.rare: dict[str, list[str]] = {}
        for language, words in WORDS.items():
            rng = random.Random(f"{seed}:{language}")
            rare = sorted({coin(rng, language) for _ in range(self.RARE)})
            common = rng.choices(words, [1 / (rank + 1) for rank in range(len(words))], k=self.STREAM)
            picks = rng.choices(rare, k=self.STREAM)
            self.streams[language] = [picks[n] if rng.random() < self.RARE_SHARE else word
                                      for n, word in enumerate(common)]
            self.rare[language] = rare

    def sentence(self, rng: random.Random, language: str, count: int) -> str:
        stream = self.streams[language]
        at = rng.randrange(self.STREAM - count)
        first = stream[at]
        # Turkish capital of i is İ (str.upper knows no locale)
        initial = "İ" if first[:1] == "i" and language == "tr" else first[:1].upper()
        return " ".join((initial + first[1:], *stream[at + 1:at + count])) + "."

    def paragraphs(self, rng: random.Random, language: str, total: int) -> list[str]:
        out, left = [], total
        while left > 0:
            sentences = []
            for _ in range(rng.randint(2, 5)):
                n = min(left, rng.randint(8, 24))
                if n <= 0:
                    break
                sentences.append(self.sentence(rng, language, n))
                left -= n
            out.append(" ".join(sentences))
        return out


_TEXTS: dict[int, Text] = {}


def text_of(seed: int) -> Text:
    """The seed's word streams, made once per process."""
    if seed not in _TEXTS:
        _TEXTS[seed] = Text(seed)
    return _TEXTS[seed]


def coin(rng: random.Random, language: str) -> str:
    """A made-up name or term: two to four of the language's syllables (an article in front for
    Arabic now and then, capitalised as the language does elsewhere)."""
    word = "".join(rng.choices(SYLLABLES[language], k=rng.randint(2, 4)))
    if language == "ar":
        return "ال" + word if rng.random() < 0.3 else word
    if language == "tr" and word[0] == "i":
        return "İ" + word[1:]
    return word[0].upper() + word[1:]


def body_words(rng: random.Random) -> int:
    """Log-normal around 350 words: most stories a few hundred, a tail to several thousand."""
    return max(120, min(6000, int(rng.lognormvariate(math.log(350), 0.7))))


@dataclass(frozen=True)
class Planned:
    """A version of story `index` due at log position `position` (stories and their later versions
    share one ordering)."""

    position: float
    index: int
    version: StoryVersion


def guid_of(seed: int, i: int, when: datetime) -> str:
    # Like the store's own ids: the day, then 16 hex digits (here from the seed, so reproducible).
    return f"{when:%Y%m%d}-{hashlib.blake2b(f'g{seed}:{i}'.encode(), digest_size=8).hexdigest()}"


def published_at(i: int, per_day: int) -> datetime:
    return ARCHIVE_START + timedelta(seconds=i * 86400 / per_day)


def story_versions(text: Text, seed: int, i: int, *, per_day: int = PER_DAY, now: datetime) -> list[Planned]:
    """Story `i`: its first version at position i and any later versions (update, correction, kill)."""
    rng = _seeded(seed, i)
    language = str(_pick(rng, LANGUAGES))
    words = WORDS[language]

    def sentence(count: int) -> str:
        return text.sentence(rng, language, count)

    when = published_at(i, per_day) + timedelta(seconds=rng.randint(0, 59))
    guid = guid_of(seed, i, when)
    categories = rng.sample(CATEGORIES, rng.choice((1, 1, 1, 2)))
    dossier = rng.choice(DOSSIERS) if rng.random() < 0.5 else None
    place = rng.choice(PLACES[language])
    reporter = rng.choice(REPORTERS)
    headline = sentence(rng.randint(5, 11))[:-1]
    spot = sentence(rng.randint(14, 28))
    paragraphs = text.paragraphs(rng, language, body_words(rng))
    photos = [Photo(href=f"https://media.newsflow.test/{guid}/{n}.jpg",
                    title=sentence(4)[:-1], caption=sentence(rng.randint(10, 20)),
                    credit=f"{rng.choice(PHOTOGRAPHERS)} / Newsflow", alt=sentence(8),
                    renditions=[Rendition(name="original", href=f"https://media.newsflow.test/{guid}/{n}.jpg",
                                          mimetype="image/jpeg", width=4000, height=2667),
                                Rendition(name="preview", href=f"https://media.newsflow.test/{guid}/{n}-p.jpg",
                                          mimetype="image/jpeg", width=800, height=533)])
              for n in range(rng.choice((0, 0, 1, 1, 1, 2, 3)))]
    code, name = SUBJECTS[categories[0]]
    embargo = None
    if rng.random() < 0.03:  # embargoed: nearly all already over when written, a few ahead of now
        embargo = (now + timedelta(hours=rng.randint(1, 72)) if rng.random() < 0.05
                   else when + timedelta(hours=rng.randint(1, 12)))
    base = {
        "guid": guid, "headline": headline, "spot": spot, "categories": categories, "dossier": dossier,
        "contributors": [Contributor(name=reporter, place=place)],
        "dateline": f"{place}, {COUNTRIES[place]}" if place in COUNTRIES else place,
        "photos": photos, "language": language, "urgency": int(_pick(rng, URGENCIES)), "embargo": embargo,
        "subjects": [Concept(name=name, code=code)], "places": [Concept(name=place)],
        "keywords": rng.sample(words, 3), "public": rng.random() < 0.3,
        "slugline": f"{categories[0].lower()}-{i}", "first_published": when,
    }
    out = [Planned(i, i, _version(base, paragraphs, version=1, created=when))]
    # Later versions: about one story in ten is updated, one in fifty corrected, three in a thousand killed.
    position, number = float(i), 1
    for kind, share in (("update", 0.10), ("correct", 0.02), ("kill", 0.003)):
        if rng.random() >= share:
            continue
        position += rng.randint(1, MAX_DELAY // 3) + 0.5  # after the stories written meanwhile
        number += 1
        created = published_at(int(position), per_day) + timedelta(seconds=30)
        if kind == "update":
            paragraphs = [*paragraphs, " ".join(sentence(rng.randint(10, 20)) for _ in range(3))]
            version = _version(base, paragraphs, version=number, created=created)
        elif kind == "correct":
            version = _version(base, paragraphs, version=number, created=created, is_correction=True,
                               editor_note="Corrects a figure in the third paragraph.")
        else:
            version = _version({**base, "headline": f"KILL: {headline}"[:500], "photos": []},
                               ["This story has been withdrawn. Do not use it."], version=number,
                               created=created, pubstatus=PubStatus.canceled,
                               editor_note="Withdrawn: the source retracted the report.")
        out.append(Planned(position, i, version))
    return out


def _version(base: dict[str, object], paragraphs: list[str], *, version: int, created: datetime,
             **extra: object) -> StoryVersion:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    # Built without validation: validating costs more than the store's write, and every value here is
    # valid by construction (plain words in <p>, which the sanitizer leaves as they are; aware UTC
    # times; small parts such as photos validated as they are made). tests/test_bench_corpus.py holds that.
    given = {**base, "body_html": body, "version": version, "version_created": created, **extra}
    # Every field given: pydantic's own default filling inspects each default factory's signature,
    # which costs more than all the rest of a story.
    fresh = {name: factory() for name, factory in _FACTORIES.items() if name not in given}
    return StoryVersion.model_construct(**{**_DEFAULTS, **fresh, **given})


_FACTORIES = {name: f.default_factory for name, f in StoryVersion.model_fields.items() if f.default_factory}
_DEFAULTS = {name: f.default for name, f in StoryVersion.model_fields.items()
             if not f.is_required() and not f.default_factory}


def versions_between(seed: int, start: int, stop: int, *, per_day: int = PER_DAY,
                     now: datetime) -> Iterator[StoryVersion]:
    """Every version whose position lies in [start, stop), in log order: stories start…stop-1, and the
    later versions of earlier stories that fall in the range."""
    pending: list[Planned] = []
    text = text_of(seed)
    for i in range(max(0, start - MAX_DELAY), stop):
        for planned in story_versions(text, seed, i, per_day=per_day, now=now):
            if start <= planned.position < stop:
                pending.append(planned)
        # Stories after i come at their own position or later: everything before i is final.
        if len(pending) > 4 * BATCH:
            pending.sort(key=lambda p: p.position)
            cut = next((n for n, p in enumerate(pending) if p.position >= i), len(pending))
            yield from (p.version for p in pending[:cut])
            del pending[:cut]
    pending.sort(key=lambda p: p.position)
    yield from (p.version for p in pending)


def ensure_products(store: Store) -> list[int]:
    """The `PRODUCTS` catalogue (created once; a grown corpus keeps the ids it had). A product made
    here is given its archive at once, as the CLI does: on an empty store that is instant, where a
    run left queued would go over the whole corpus later, in the first server that starts on it."""
    subscribers = Subscribers(store)
    held = {p.name: p.id for p in subscribers.list_products()}
    ids = []
    for name, filter in PRODUCTS.items():
        if name not in held:
            held[name] = subscribers.create_product(name, filter, description="corpus").id
            stamp_product(store, held[name])
        ids.append(held[name])
    return ids


@dataclass(frozen=True)
class Filled:
    stories: int
    versions: int
    seconds: float
    waited_seconds: float  # of which waiting for the generator (the rest is the store's write)

    @property
    def rate(self) -> float:
        return self.stories / self.seconds if self.seconds else 0.0


CHUNK = 10_000  # story positions a generator process makes at a time


def _chunk(job: tuple[int, int, int, int, datetime]) -> list[StoryVersion]:
    seed, start, stop, per_day, now = job
    return list(versions_between(seed, start, stop, per_day=per_day, now=now))


def generate(seed: int, start: int, stop: int, *, per_day: int, now: datetime,
             workers: int) -> Iterator[StoryVersion]:
    """`versions_between` made by `workers` processes in chunks of positions (0: in this process), in order."""
    if workers <= 0:
        yield from versions_between(seed, start, stop, per_day=per_day, now=now)
        return
    jobs = [(seed, a, min(a + CHUNK, stop), per_day, now) for a in range(start, stop, CHUNK)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for chunk in pool.imap(_chunk, jobs):
            yield from chunk


def fill(store: Store, stories: int, *, seed: int = 1, start: int = 0, batch: int = BATCH,
         per_day: int = PER_DAY, now: datetime | None = None, workers: int = 1,
         progress: Callable[[int, float], None] | None = None) -> Filled:
    """Write stories start…start+stories-1 (and the later versions due among them) into `store`."""
    now = now or utcnow()
    store.entitlement = Subscribers(store)  # as `newsflow serve` wires it: every event gets its products
    started = time.perf_counter()
    waited = 0.0
    written = 0
    versions = generate(seed, start, start + stories, per_day=per_day, now=now, workers=workers)
    while True:
        t = time.perf_counter()
        chunk = [v for _, v in zip(range(batch), versions, strict=False)]
        waited += time.perf_counter() - t
        if not chunk:
            break
        for item, outcome in store.ingest_versions(chunk, now=now):
            if isinstance(outcome, str):
                raise RuntimeError(f"{item.guid} v{item.version}: {outcome}")
        written += len(chunk)
        if progress:
            progress(written, time.perf_counter() - started)
    return Filled(stories, written, time.perf_counter() - started, waited)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stories", type=int, default=10_000)
    ap.add_argument("--start", type=int, default=0, help="first story index (grow a corpus written before)")
    ap.add_argument("--database-url", default="sqlite:////tmp/newsflow-corpus.db")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=BATCH)
    ap.add_argument("--per-day", type=int, default=PER_DAY)
    ap.add_argument("--workers", type=int, default=1, help="generator processes (0: generate in the writer)")
    ap.add_argument("--products", action="store_true", help="create the product catalogue first")
    ap.add_argument("--profile", type=Path, help="write a cProfile of the run here and print the top")
    args = ap.parse_args()
    store = Store(args.database_url)
    store.migrate()
    if args.products:
        print("products:", ensure_products(store))
    last = [0.0]

    def progress(done: int, seconds: float) -> None:
        if seconds - last[0] >= 10:
            last[0] = seconds
            print(f"  {done:,} versions in {seconds:,.0f} s ({done / seconds:,.0f}/s)", flush=True)

    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    filled = fill(store, args.stories, seed=args.seed, start=args.start, batch=args.batch, per_day=args.per_day,
                  workers=args.workers, progress=progress)
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
        pstats.Stats(str(args.profile)).sort_stats("cumulative").print_stats(40)
    print(f"{filled.stories:,} stories ({filled.versions:,} versions) in {filled.seconds:,.1f} s: "
          f"{filled.rate:,.0f} stories/s; store {filled.seconds - filled.waited_seconds:,.1f} s, "
          f"waiting for the generator {filled.waited_seconds:,.1f} s")
    store.close()


if __name__ == "__main__":
    main()
