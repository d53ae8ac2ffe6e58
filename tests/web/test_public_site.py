"""The public website: only the public portion, only in summarized form, never a script; the
subscription form with its guards; SEO metadata that machines can read."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from newsflow.formats import feeds
from newsflow.model import Contributor, Story, StoryVersion, utcnow
from newsflow.public import PublicRule, is_public, summarize
from newsflow.services import Services
from newsflow.web import sessions
from newsflow.web.public import feeds as public_feeds
from tests.helpers import jpeg
from tests.test_seed_story import read_seed

LISTINGS = ("/", "/search?q=harbour", "/sitemap.xml", "/news-sitemap.xml", "/feed.atom", "/feed.rss",
            "/feed.json")


def publish(svc: Services, **fields: Any) -> StoryVersion:
    fields.setdefault("headline", "Harbour reopens after storm")
    fields.setdefault("categories", ["Europe"])
    record = svc.newsroom.create(Story(**fields))
    return svc.newsroom.publish(record.guid)


def seed_story(svc: Services) -> tuple[StoryVersion, Any]:
    seed = read_seed()
    media = svc.media.add(jpeg(), filename="trucks.jpg", caption=seed.spot, credit="Agency")
    body = "".join(f"<p>{p}</p>" for p in seed.paragraphs[:-4]) + f"<h2>{seed.subheading}</h2>"
    body += "".join(f"<p>{p}</p>" for p in seed.paragraphs[-4:])
    v = publish(svc, headline=seed.headline, spot=seed.spot, categories=seed.categories, dossier=seed.dossier,
                contributors=[Contributor(name=seed.reporter), Contributor(name=seed.writer, role="writer")],
                dateline=seed.dateline, body_html=body, public=True,
                photos=[{"media_id": media["id"], "caption": seed.spot, "credit": "Agency", "alt": seed.spot}])
    return svc.newsroom.update(v.guid), seed


def story_url(client: TestClient, guid: str) -> str:
    r = client.get(f"/news/{guid}", follow_redirects=False)
    assert r.status_code == 301, r.text
    return r.headers["location"]


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each <script> element."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def parse(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    return tags


def test_seed_story_page_shows_the_summarized_form(client: TestClient, services: Services) -> None:
    v, seed = seed_story(services)
    page = client.get(story_url(client, v.guid))
    assert page.status_code == 200
    html = page.text
    for part in (seed.headline, seed.spot, seed.reporter, seed.dateline, v.first_published.isoformat(),
                 v.version_created.isoformat(), "Subscription options", 'href="/subscribe"',
                 "only a selection of the stories"):
        assert part in html, part
    assert f'<img src="/news/{v.guid}/photo.jpg" alt="{seed.spot}"' in html
    assert seed.paragraphs[0] in html  # the summary starts with the lead
    assert seed.paragraphs[-1] not in html and seed.subheading not in html  # never the whole body
    summary = summarize(v, services.settings.summary_words)
    assert 0 < len(summary.split()) <= services.settings.summary_words < len(v.body_text.split())
    assert seed.disclaimer not in html  # our own words, not the seed's
    photo = client.get(f"/news/{v.guid}/photo.jpg")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    preview, _ = services.media.path(v.photos[0].media_id or "", "preview")
    assert photo.content != preview.read_bytes()  # watermarked, not the subscribers' preview


def test_editor_summary_wins_and_is_bounded() -> None:
    long = " ".join(["word"] * 200)
    story = Story(headline="x", summary=long, body_html="<p>" + long + "</p>")
    assert len(summarize(story, 80).split()) == 81  # 80 words and the ellipsis
    short = Story(headline="x", body_html="<p>one two three four</p>")
    assert summarize(short, 80) == "one two …"  # never the whole of a short body


def test_non_public_and_embargoed_stories_never_appear(client: TestClient, services: Services) -> None:
    shown = publish(services, headline="Harbour public copy", public=True, dossier="Storms")
    hidden = publish(services, headline="Harbour subscribers only", public=False, dossier="Storms")
    held = publish(services, headline="Harbour embargoed copy", public=True, dossier="Storms",
                   embargo=utcnow() + timedelta(hours=2))
    for path in (*LISTINGS, "/category/Europe", "/dossier/Storms"):
        text = client.get(path).text
        assert shown.headline in text or shown.guid in text, path  # sitemaps name the URL only
        for secret in (hidden, held):
            assert secret.headline not in text and secret.guid not in text, (path, secret.headline)
    for secret in (hidden, held):
        assert client.get(f"/news/{secret.guid}").status_code == 404
        assert client.get(f"/news/{secret.guid}/x").status_code == 404
        assert client.get(f"/news/{secret.guid}/photo.jpg").status_code == 404


def test_search_finds_public_stories_only(client: TestClient, services: Services) -> None:
    publish(services, headline="Lighthouse keeper retires", public=True)
    publish(services, headline="Lighthouse sold in secret deal", public=False)
    text = client.get("/search", params={"q": "lighthouse"}).text
    assert "Lighthouse keeper retires" in text and "secret deal" not in text


def test_killed_story_answers_410(client: TestClient, services: Services) -> None:
    v = publish(services, public=True)
    url = story_url(client, v.guid)
    services.newsroom.kill(v.guid, "Legal advice")
    gone = client.get(url)
    assert gone.status_code == 410 and "Legal advice" not in gone.text
    assert v.headline not in client.get("/").text
    hidden = publish(services, public=False)
    services.newsroom.kill(hidden.guid, "x")
    assert client.get(f"/news/{hidden.guid}/x").status_code == 404  # never public: nothing to withdraw


def test_no_script_from_a_story_reaches_any_public_page(client: TestClient, services: Services) -> None:
    v = publish(services, public=True, headline="Storm <script>alert(1)</script> hits",
                spot='<img src=x onerror="alert(2)">', dossier="<script>d</script>",
                body_html='<p>Lead <script>alert(3)</script><img src="x" onerror="alert(4)"></p><p>More</p>')
    url = story_url(client, v.guid)
    for path in (url, "/", "/category/Europe", "/search?q=storm", f"/dossier/{v.dossier}"):
        html = client.get(path).text
        assert "alert(3)" not in html and "alert(4)" not in html, path  # the body's were removed at entry
        tags = parse(html)
        # the only scripts: JSON-LD data, and the site's own header script by address (never inline code)
        scripts = [attrs for tag, attrs in tags.tags if tag == "script"]
        assert all(attrs.get("type") == "application/ld+json" or attrs.get("src") == "/static/signed-in.js"
                   for attrs in scripts), (path, scripts)
        assert not any(name.startswith("on") for _, attrs in tags.tags for name in attrs), path
        assert all("</script" not in s.lower() and "<script" not in s.lower() for s in tags.scripts), path


def test_json_ld_open_graph_and_canonical(client: TestClient, services: Services) -> None:
    v, seed = seed_story(services)
    html = client.get(story_url(client, v.guid)).text
    data = json.loads(parse(html).scripts[0])
    assert data["@type"] == "NewsArticle" and data["headline"] == seed.headline
    assert data["datePublished"] == v.first_published.isoformat()
    assert data["author"][0]["name"] == seed.reporter
    canonical = services.settings.base_url + story_url(client, v.guid)
    assert f'<link rel="canonical" href="{canonical}">' in html
    assert f'<meta property="og:title" content="{seed.headline}">' in html


def test_translations_link_to_each_other(client: TestClient, services: Services) -> None:
    en = publish(services, headline="Harbour reopens", public=True, translation_group="g1")
    ar = publish(services, headline="إعادة فتح الميناء", language="ar", public=True, translation_group="g1")
    page = client.get(story_url(client, ar.guid)).text
    assert '<html lang="ar" dir="rtl">' in page
    assert 'hreflang="en"' in page and story_url(client, en.guid) in page
    assert 'hreflang="ar"' in client.get(story_url(client, en.guid)).text


def test_every_page_has_one_h1_and_every_image_alt(client: TestClient, services: Services) -> None:
    v, _ = seed_story(services)
    for path in ("/", story_url(client, v.guid), "/category/World", f"/dossier/{v.dossier}", "/search?q=x",
                 "/subscribe", "/subscribe/thanks", "/no/such/page"):
        tags = parse(client.get(path).text).tags
        assert [t for t, _ in tags].count("h1") == 1, path
        assert all(attrs.get("alt") for t, attrs in tags if t == "img"), path


def test_error_pages_are_html_and_leak_nothing(client: TestClient) -> None:
    r = client.get("/news/20990101-nope/secret-slug")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "20990101-nope" not in r.text and "no such story" not in r.text
    assert client.get("/v1/newsroom/stories/x").headers["content-type"].startswith("application/json")


def test_language_switch_and_accept_language(client: TestClient) -> None:
    assert '<html lang="tr" dir="ltr">' in client.get("/", headers={"accept-language": "tr-TR,tr;q=0.9"}).text
    switched = client.get("/?lang=ar")
    assert '<html lang="ar" dir="rtl">' in switched.text and switched.cookies.get("nf_lang") == "ar"
    assert '<html lang="ar" dir="rtl">' in client.get("/").text  # the cookie remembers


def test_feeds_and_sitemaps_parse_and_hold_summaries_only(client: TestClient, services: Services) -> None:
    _, seed = seed_story(services)
    for path in ("/feed.atom", "/feed.rss", "/sitemap.xml", "/news-sitemap.xml"):
        r = client.get(path)
        assert r.status_code == 200 and "ETag" in r.headers, path
        etree.fromstring(r.content)
        assert seed.paragraphs[-1] not in r.text, path
    feed = client.get("/feed.json").json()
    assert feed["items"][0]["title"] == seed.headline and seed.paragraphs[-1] not in json.dumps(feed)
    old = publish(services, public=True, headline="Old harbour story")
    assert old.headline in client.get("/news-sitemap.xml").text


SITEMAP = {"s": public_feeds.SITEMAP_NS}


def locs(xml: bytes) -> list[str]:
    return etree.fromstring(xml).xpath("//s:loc/text()", namespaces=SITEMAP)


def test_the_snapshot_moves_only_when_the_log_or_the_rule_moves(client: TestClient, services: Services) -> None:
    site = services.public
    first = publish(services, public=True, headline="First harbour story")
    held = site.snapshot()
    client.get("/")
    client.get("/feed.atom")
    assert site.snapshot() is held  # nothing changed: the same token served every request
    second = publish(services, public=True, headline="Second harbour story")
    assert site.snapshot() is not held  # this node's own write, at once
    assert [v.guid for v in site.stories()] == [second.guid, first.guid]
    held = site.snapshot()
    product = services.subscribers.create_product("Free Europe", {"categories": ["Europe"]})
    services.subscribers.update_product(product.id, public=True)
    assert site.snapshot() is not held  # a write to the rule's tables on this node, at once
    hidden = publish(services, headline="Europe for subscribers")  # in the log and under the new rule
    assert hidden.guid in [v.guid for v in site.stories()]
    held = site.snapshot()
    services.subscribers.update_product(product.id, public=False)
    assert site.snapshot() is not held and site.snapshot().rule == site.rule()
    assert hidden.guid not in [v.guid for v in site.stories()]  # the rule changed, the log did not


def test_an_embargo_ending_shows_the_story_without_a_log_event(services: Services) -> None:
    held = publish(services, public=True, headline="Held harbour story", embargo=utcnow() + timedelta(hours=1))
    assert held.guid not in [v.guid for v in services.public.stories()]
    later = utcnow() + timedelta(hours=2)
    assert held.guid in [v.guid for v in services.public.stories(now=later)]


def test_translations_are_found_across_the_archive(client: TestClient, services: Services) -> None:
    en = publish(services, headline="Harbour reopens", public=True, translation_group="g2")
    es = publish(services, headline="Puerto reabierto", language="es", public=True, translation_group="g2")
    publish(services, headline="Not a translation", public=True, translation_group="g3")
    hidden = publish(services, headline="Subscribers' Arabic", language="ar", translation_group="g2")
    assert [v.guid for v in services.public.translations(es)] == [en.guid]
    assert [v.guid for v in services.public.translations(en)] == [es.guid]  # never the hidden one
    assert hidden.guid not in client.get(story_url(client, en.guid)).text


def test_sitemap_lists_every_public_story_and_splits_past_the_limit(
        client: TestClient, services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("newsflow.web.public.site.SITEMAP_RECENT", 2)
    shown = [publish(services, public=True, headline=f"Harbour story {n}") for n in range(5)]
    hidden = publish(services, headline="Harbour for subscribers")
    base = services.settings.base_url
    story_urls = {base + story_url(client, v.guid) for v in shown}
    whole = locs(client.get("/sitemap.xml").content)
    assert story_urls <= set(whole) and not any(hidden.guid in u for u in whole)
    monkeypatch.setattr(public_feeds, "SITEMAP_URLS", 3)
    client.app.state.public_pages.clear()  # type: ignore[attr-defined]  # kept answers predate the new limit
    index = etree.fromstring(client.get("/sitemap.xml").content)
    assert etree.QName(index).localname == "sitemapindex"
    parts = index.xpath("//s:loc/text()", namespaces=SITEMAP)
    assert parts == [f"{base}/sitemap-{n}.xml" for n in range(1, 4)]  # 8 addresses, 3 a file
    assert index.xpath("//s:lastmod", namespaces=SITEMAP)
    split = [loc for n in range(1, 4) for loc in locs(client.get(f"/sitemap-{n}.xml").content)]
    assert split == whole
    for missing in ("/sitemap-4.xml", "/sitemap-0.xml", "/sitemap-x.xml"):
        assert client.get(missing).status_code == 404, missing


def test_news_sitemap_holds_the_last_two_days_and_1000_at_most(
        client: TestClient, services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    old = services.newsroom.create(Story(headline="Harbour three days ago", public=True))
    services.newsroom.publish(old.guid, now=utcnow() - timedelta(days=3))
    recent = [publish(services, public=True, headline=f"Harbour today {n}") for n in range(3)]
    listed = client.get("/news-sitemap.xml").text
    assert all(v.guid in listed for v in recent) and old.guid not in listed
    monkeypatch.setattr(public_feeds, "NEWS_SITEMAP_URLS", 2)
    listed = client.get("/news-sitemap.xml").text
    assert [v.guid in listed for v in recent] == [False, True, True]  # the newest ones


def test_the_archive_narrows_in_sql_without_public_products(services: Services) -> None:
    flagged = publish(services, public=True, headline="Flagged")
    sport = publish(services, headline="Cup final", categories=["Sport"])
    assert PublicRule().narrowed() is not None
    assert [v.guid for v in services.public.archive(batch=1)] == [flagged.guid]
    services.subscribers.create_product("Free sport", {"categories": ["Sport"]}, public=True)
    assert services.public.rule().narrowed() is None  # a product's filter is not a column
    assert [v.guid for v in services.public.archive(batch=1)] == [sport.guid, flagged.guid]


def test_feeds_share_one_route_and_carry_no_body(client: TestClient, services: Services) -> None:
    seed_story(services)
    atom = etree.fromstring(client.get("/feed.atom").content)
    assert not atom.xpath("//a:content", namespaces={"a": "http://www.w3.org/2005/Atom"})
    rss = client.get("/feed.rss")
    assert rss.headers["content-type"] == "application/rss+xml; charset=utf-8"
    assert not etree.fromstring(rss.content).xpath("//content:encoded", namespaces={"content": feeds.CONTENT})
    assert client.get("/feed.json").headers["content-type"] == "application/feed+json; charset=utf-8"
    assert client.get("/feed.xml").status_code == 404


def test_etag_gives_304(client: TestClient, services: Services) -> None:
    publish(services, public=True)
    first = client.get("/")
    assert first.headers["cache-control"].startswith("public")
    again = client.get("/", headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304


def test_public_rule_products_and_urgency(services: Services) -> None:
    flash = Story(headline="x", urgency=1, categories=["Sport"])
    assert not PublicRule().admits(flash)
    assert PublicRule(urgency_max=2).admits(flash)
    product = services.subscribers.create_product("Sport free", {"categories": ["sport"]})
    rule = services.public.rule()
    assert not rule.admits(flash)
    assert services.subscribers.update_product(product.id, public=True).public is True
    assert services.public.rule().admits(flash)
    v = publish(services, headline="Sport flash", urgency=1, categories=["Sport"],
                embargo=utcnow() + timedelta(hours=1))
    assert not is_public(v, services.public.rule())  # embargo beats every clause


# ---- the subscription form ----------------------------------------------------------------------------------


def form(client: TestClient, **fields: Any) -> dict[str, Any]:
    page = client.get("/subscribe").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    data: dict[str, Any] = {"csrf_token": token.group(1), "organisation": "Daily Harbour", "name": "Ana Costa",
                            "email": "ana@example.org", "country": "Portugal", "interests": ["world", "sports"]}
    return data | fields


def test_subscription_request_is_stored(client: TestClient, services: Services) -> None:
    r = client.post("/subscribe", data=form(client), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/subscribe/thanks"
    [stored] = services.subscription_requests.list()
    assert (stored.organisation, stored.email, stored.interests) == ("Daily Harbour", "ana@example.org",
                                                                     ["world", "sports"])
    assert client.get("/subscribe/thanks").status_code == 200


def test_bad_email_is_named_and_nothing_stored(client: TestClient, services: Services) -> None:
    r = client.post("/subscribe", data=form(client, email="not-an-address"))
    assert r.status_code == 422 and "E-mail" in r.text and "name@example.org" in r.text
    assert 'value="Daily Harbour"' in r.text  # what was typed is kept
    assert services.subscription_requests.count() == 0


def test_missing_or_wrong_csrf_is_403(client: TestClient, services: Services) -> None:
    data = form(client)
    del data["csrf_token"]
    assert client.post("/subscribe", data=data).status_code == 403
    assert client.post("/subscribe", data=data | {"csrf_token": "forged"}).status_code == 403
    assert services.subscription_requests.count() == 0


def test_honeypot_stores_nothing(client: TestClient, services: Services) -> None:
    r = client.post("/subscribe", data=form(client, website="http://spam.example"), follow_redirects=False)
    assert r.status_code == 303
    assert services.subscription_requests.count() == 0


def test_rate_limit_answers_429(client: TestClient, services: Services) -> None:
    data = form(client, email="bad")
    allowed = services.settings.subscribe_per_minute
    codes = [client.post("/subscribe", data=data).status_code for _ in range(allowed + 1)]
    assert codes[:-1] == [422] * allowed and codes[-1] == 429


def test_session_cookie_is_signed_and_flagged(client: TestClient, services: Services) -> None:
    r = client.get("/subscribe")
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax") and "Secure" not in cookie
    key = sessions.secret_key(services.settings)
    value = client.cookies["nf_session"]
    assert sessions.decode(key, value) is not None
    assert sessions.decode(key, value[:-2] + "xx") is None
    assert sessions.decode(b"another key", value) is None
    assert (services.settings.data_dir / "secret_key").exists()


@pytest.mark.parametrize("lang", ["en", "tr", "ar"])
def test_form_speaks_the_three_languages(client: TestClient, lang: str) -> None:
    page = client.get(f"/subscribe?lang={lang}").text
    assert f'<html lang="{lang}"' in page


def test_admin_marks_a_product_public(client: TestClient, services: Services) -> None:
    admin = services.store.create_user(email="root@example.org", name="Root", role="admin")
    h = {"Authorization": f"Bearer {services.store.create_token(admin.id, 'tests')}"}
    made = client.post("/v1/admin/products", headers=h, json={"name": "Free sport", "public": True,
                                                               "filter": {"categories": ["Sport"]}})
    assert made.status_code == 201 and made.json()["public"] is True
    v = publish(services, headline="Cup final tonight", categories=["Sport"])
    assert v.headline in client.get("/").text
    assert client.patch(f"/v1/admin/products/{made.json()['id']}", headers=h,
                        json={"public": False}).json()["public"] is False
    assert v.headline not in client.get("/").text


def test_a_feed_entry_keeps_its_id_when_the_headline_changes(client: TestClient, services: Services) -> None:
    v = publish(services, headline="Harbour reopens after storm", public=True)
    ns = {"a": "http://www.w3.org/2005/Atom"}

    def entry() -> tuple[str, str, str, str]:
        atom = etree.fromstring(client.get("/feed.atom").content)
        rss = etree.fromstring(client.get("/feed.rss").content)
        item = json.loads(client.get("/feed.json").content)["items"][0]
        return (atom.xpath("string(//a:entry/a:id)", namespaces=ns), rss.xpath("string(//item/guid)"),
                item["id"], atom.xpath("string(//a:entry/a:link/@href)", namespaces=ns))

    ident, guid, json_id, link = entry()
    assert ident == guid == json_id and ident.endswith(f"/news/{v.guid}") and "harbour-reopens" in link
    services.newsroom.edit(v.guid, {"headline": "Port traffic back to normal"})
    services.newsroom.update(v.guid)
    again = entry()
    assert again[:3] == (ident, guid, json_id) and "port-traffic" in again[3]
    r = client.get(ident.removeprefix("http://127.0.0.1:8000").removeprefix(services.settings.base_url),
                   follow_redirects=False)
    assert r.status_code in (301, 308) and "port-traffic" in r.headers["location"]


def test_an_admin_set_urgency_clause_replaces_the_default_on_the_next_request(
        client: TestClient, services: Services) -> None:
    from newsflow.errors import FieldError

    site = services.public
    assert site.urgency_setting().updated is None and site.urgency_setting().urgency_max == 0
    flash = publish(services, headline="Dam breach flash", urgency=1)
    routine = publish(services, headline="Council meets", urgency=5)
    assert "Dam breach flash" not in client.get("/").text
    site.set_urgency(2, by="admin@agency.example")
    home = client.get("/").text
    assert "Dam breach flash" in home and "Council meets" not in home
    assert client.get(f"/news/{flash.guid}", follow_redirects=False).status_code in (301, 308)
    assert client.get(f"/news/{routine.guid}").status_code == 404
    setting = site.urgency_setting()
    assert setting.urgency_max == 2 and setting.updated_by == "admin@agency.example"
    site.set_urgency(0, by="admin@agency.example")
    assert "Dam breach flash" not in client.get("/").text
    for bad in (-1, 10):
        with pytest.raises(FieldError, match="urgency_max"):
            site.set_urgency(bad, by="x")


def test_a_public_page_is_rendered_once_per_change_not_once_per_reader(
        client: TestClient, services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsflow.web.public import site as public_site

    publish(services, headline="Harbour reopens after storm", public=True)
    renders: list[str] = []
    real = public_site._home

    def counted(request: Any, svc: Services) -> Any:
        renders.append(request.url.path)
        return real(request, svc)

    monkeypatch.setattr(public_site, "_home", counted)
    first = client.get("/")
    second = client.get("/")
    assert renders == ["/"] and first.content == second.content
    assert first.headers["etag"] == second.headers["etag"] and second.headers["content-language"] == "en"
    assert client.get("/", headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    assert renders == ["/"]
    publish(services, headline="Ferries sail again", public=True)  # the site changed: rendered again
    third = client.get("/")
    assert "Ferries sail again" in third.text and len(renders) == 2
    turkish = client.get("/", headers={"Accept-Language": "tr"})
    assert turkish.headers["content-language"] == "tr" and len(renders) == 3  # one key per language
    services.public.set_urgency(3, by="admin")  # a rule change is a change too
    client.get("/")
    assert len(renders) == 4


# ---- what search engines and link previews read --------------------------------------------------------


def meta_tags(html: str) -> dict[str, str]:
    """The page's <meta property|name=… content=…> tags by property or name (the last one wins)."""
    found = {}
    for tag, attrs in parse(html).tags:
        key = attrs.get("property") or attrs.get("name")
        if tag == "meta" and key and attrs.get("content") is not None:
            found[key] = attrs["content"] or ""
    return found


def json_ld(html: str) -> list[dict[str, Any]]:
    """Every JSON-LD object of the page, @graph members one by one."""
    objects: list[dict[str, Any]] = []
    for text in parse(html).scripts:
        data = json.loads(text)  # invalid JSON fails here
        assert data["@context"] == "https://schema.org"
        objects += data.get("@graph", [data])
    return objects


def absolute_urls(value: Any) -> list[str]:
    """Every string in a JSON-LD value that looks like an address (the schema.org @context aside)."""
    if isinstance(value, dict):
        return [u for k, v in value.items() if k != "@context" for u in absolute_urls(v)]
    if isinstance(value, list):
        return [u for v in value for u in absolute_urls(v)]
    return [value] if isinstance(value, str) and "://" in value else []


def test_home_names_the_agency_and_its_search_in_json_ld(client: TestClient, services: Services) -> None:
    base = services.settings.base_url
    publish(services, public=True)
    objects = {o["@type"]: o for o in json_ld(client.get("/").text)}
    org, site = objects["Organization"], objects["WebSite"]
    assert org["name"] == services.settings.agency_name and org["url"] == base + "/"
    assert org["logo"]["@type"] == "ImageObject" and org["logo"]["url"] == base + "/static/logo.png"
    logo = client.get(org["logo"]["url"].removeprefix(base))
    assert logo.status_code == 200 and logo.headers["content-type"] == "image/png"
    assert site["url"] == base + "/" and site["publisher"] == {"@id": org["@id"]}
    action = site["potentialAction"]
    assert action["@type"] == "SearchAction" and action["query-input"] == "required name=search_term_string"
    template = action["target"]["urlTemplate"]
    assert template == base + "/search?q={search_term_string}"
    found = client.get(template.removeprefix(base).replace("{search_term_string}", "harbour"))
    assert found.status_code == 200 and "Harbour reopens after storm" in found.text
    assert all(u.startswith(base + "/") for u in absolute_urls(list(objects.values())))


def test_home_has_open_graph_and_twitter_card_tags(client: TestClient, services: Services) -> None:
    base = services.settings.base_url
    tags = meta_tags(client.get("/").text)
    assert tags["og:type"] == "website" and tags["og:url"] == base + "/"
    assert tags["og:site_name"] == services.settings.agency_name
    assert tags["og:title"] and tags["og:description"] and tags["description"] == tags["og:description"]
    assert tags["og:image"] == base + "/static/logo.png" and tags["og:image:width"] == "512"
    assert tags["twitter:card"] == "summary" and tags["twitter:image"] == tags["og:image"]


def test_story_publisher_has_a_logo_and_the_photo_makes_the_large_card(client: TestClient,
                                                                       services: Services) -> None:
    base = services.settings.base_url
    v, seed = seed_story(services)
    html = client.get(story_url(client, v.guid)).text
    article = next(o for o in json_ld(html) if o["@type"] == "NewsArticle")
    publisher = article["publisher"]
    assert publisher["@type"] == "Organization" and publisher["name"] == services.settings.agency_name
    assert publisher["logo"] == {"@type": "ImageObject", "url": base + "/static/logo.png", "width": 512,
                                 "height": 512}
    assert all(u.startswith(base + "/") for u in absolute_urls(article))
    tags = meta_tags(html)
    assert tags["og:type"] == "article" and tags["og:title"] == seed.headline
    assert tags["og:url"] == base + story_url(client, v.guid)
    assert tags["og:image"] == f"{base}/news/{v.guid}/photo.jpg" and "og:image:width" not in tags
    assert tags["twitter:card"] == "summary_large_image" and tags["og:locale"] == "en_US"
    plain = publish(services, headline="Quiet day at the port", public=True)
    plain_tags = meta_tags(client.get(story_url(client, plain.guid)).text)
    assert plain_tags["og:image"] == base + "/static/logo.png" and plain_tags["twitter:card"] == "summary"


def test_a_corrected_story_is_labelled_with_when(client: TestClient, services: Services) -> None:
    v = publish(services, headline="Ferry timetable changes", public=True)
    assert "Correction" not in client.get(story_url(client, v.guid)).text
    fixed = services.newsroom.correct(v.guid, "The ferry leaves at nine, not ten.")
    html = client.get(story_url(client, v.guid)).text
    label = re.search(r'<p class="corrected"[^>]*>(.*?)</p>', html, re.S)
    assert label, "no correction label on the corrected story"
    assert "Correction" in label.group(1)
    assert f'datetime="{fixed.version_created.isoformat()}"' in label.group(1)
