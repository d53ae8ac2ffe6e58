"""Entitlement: `may_see` against random companies, products and stories, and kills reaching the
companies that were entitled to the story."""

from __future__ import annotations

import html
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from newsflow.model import PubStatus, StoryVersion
from newsflow.wire.entitlement import CompanyAccess, Verdict, may_see, products_for
from newsflow.wire.products import Product, ProductFilter, matches
from tests.wire.strategies import NOW, filter_specs, story_versions

PRODUCT_IDS = list(range(1, 9))

companies = st.builds(
    CompanyAccess, id=st.just("c1"), product_ids=st.frozensets(st.sampled_from(PRODUCT_IDS), max_size=4),
    active=st.booleans(), may_receive_embargoed=st.booleans())


@st.composite
def catalogues(draw: st.DrawFn) -> list[Product]:
    """A handful of products with random filters (some inactive)."""
    ids = draw(st.lists(st.sampled_from(PRODUCT_IDS), min_size=1, max_size=6, unique=True))
    return [Product(id=pid, name=f"p{pid}", description="", active=draw(st.booleans()), created=NOW,
                    filter=ProductFilter.model_validate(draw(filter_specs()))) for pid in ids]


def _kill(version: StoryVersion) -> StoryVersion:
    """A kill as the newsroom builds it: the notice replaces the body, the photos go."""
    notice = "This story has been withdrawn. Do not use it. Reason: legal"
    return version.model_copy(update={"version": version.version + 1, "pubstatus": PubStatus.canceled,
                                      "body_html": f"<p>{html.escape(notice)}</p>", "spot": notice,
                                      "summary": None, "photos": [], "embargo": None})


@settings(max_examples=400)
@given(company=companies, event_products=st.frozensets(st.sampled_from(PRODUCT_IDS), max_size=4),
       version=story_versions(), minutes=st.integers(-180, 180))
def test_may_see_is_exactly_active_and_product_and_embargo(
        company: CompanyAccess, event_products: frozenset[int], version: StoryVersion, minutes: int) -> None:
    now = NOW + timedelta(minutes=minutes)
    verdict = may_see(company, event_products, version, now)
    embargoed = version.embargo is not None and version.embargo > now
    expected = (company.active and bool(company.product_ids & event_products)
                and (not embargoed or company.may_receive_embargoed))
    assert verdict.allowed is expected
    assert bool(verdict) is expected
    # never through a product the event did not match, never for an inactive company
    if company.product_ids.isdisjoint(event_products) or not company.active:
        assert not verdict
    if not company.active:
        assert verdict.reason == "company inactive"
    elif company.product_ids.isdisjoint(event_products):
        assert verdict.reason == "no matching product"
    elif embargoed and not company.may_receive_embargoed:
        assert version.embargo is not None
        assert verdict.reason == f"embargoed until {version.embargo.isoformat()}"
    else:
        assert verdict.reason == "allowed"


@settings(max_examples=300)
@given(company=companies, catalogue=catalogues(), version=story_versions(), minutes=st.integers(-180, 180))
def test_products_computed_at_write_time_decide_what_a_company_sees(
        company: CompanyAccess, catalogue: list[Product], version: StoryVersion, minutes: int) -> None:
    now = NOW + timedelta(minutes=minutes)
    stamped = products_for(version, catalogue)
    assert stamped == {p.id for p in catalogue if matches(p.filter, version)}
    held = version.embargo is not None and version.embargo > now and not company.may_receive_embargoed
    covered = any(p.id in company.product_ids and matches(p.filter, version) for p in catalogue)
    assert may_see(company, stamped, version, now).allowed is (company.active and covered and not held)


@settings(max_examples=300)
@given(company=companies, catalogue=catalogues(), version=story_versions())
def test_a_company_entitled_to_a_story_may_see_its_kill(company: CompanyAccess, catalogue: list[Product],
                                                        version: StoryVersion) -> None:
    after_embargo = NOW + timedelta(hours=3)
    kill = _kill(version)
    kill_products = products_for(kill, catalogue, previous=version)
    assert products_for(version, catalogue) <= kill_products
    if may_see(company, products_for(version, catalogue), version, after_embargo):
        assert may_see(company, kill_products, kill, after_embargo)
    # and the kill is an announcement, not a widening: only those the story or the notice matched
    assert kill_products == products_for(version, catalogue) | products_for(kill, catalogue)


def test_a_pictures_product_hears_of_the_kill_of_a_story_with_photos() -> None:
    pictures = Product(id=1, name="Pictures", description="", active=True, created=NOW,
                       filter=ProductFilter(media_types=["picture"]))
    story = StoryVersion.model_validate({
        "headline": "Flood", "guid": "g", "version": 1, "first_published": NOW, "version_created": NOW,
        "photos": [{"href": "https://photos.example/1.jpg"}]})
    kill = _kill(story)
    assert products_for(kill, [pictures]) == frozenset()  # the notice alone has no photos …
    assert products_for(kill, [pictures], previous=story) == {1}  # … but whoever had the story hears
    company = CompanyAccess(id="c", product_ids=frozenset({1}))
    assert may_see(company, frozenset({1}), kill, NOW)


def test_embargo_is_lifted_at_the_embargo_time_and_early_for_those_allowed() -> None:
    story = StoryVersion.model_validate({
        "headline": "Budget", "guid": "g", "version": 1, "first_published": NOW, "version_created": NOW,
        "embargo": NOW + timedelta(hours=1)})
    ordinary = CompanyAccess(id="a", product_ids=frozenset({1}))
    trusted = CompanyAccess(id="b", product_ids=frozenset({1}), may_receive_embargoed=True)
    verdict = may_see(ordinary, frozenset({1}), story, NOW)
    assert not verdict and verdict.reason.startswith("embargoed until 2026-03-01T13:00:00")
    assert may_see(trusted, frozenset({1}), story, NOW)
    assert may_see(ordinary, frozenset({1}), story, NOW + timedelta(hours=1))  # at the time itself


def test_a_verdict_is_falsy_when_refused() -> None:
    assert not Verdict(False, "no matching product")
    assert Verdict(True, "allowed")
