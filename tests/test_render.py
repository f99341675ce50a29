"""Tests for digest.render: one safe, lean, readable email from a Digest."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from digest.errors import RenderError
from digest.models import Credit, Digest, Rendered, Sentence, Story
from digest.render import GMAIL_CLIP_BYTES, PALETTE, TEXT_WIDTH, archive_page, render, wrap

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
CREATED = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
FIRST = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
WORDS = ("markets", "regulators", "announced", "sweeping", "reforms", "after", "lengthy", "negotiations")
# Tags the templates could emit; none may appear in the text part.
OUR_TAGS = re.compile(r"</?(p|a|br|div|span|h\d|ul|ol|li|table|td|tr|strong|em|code|mj-[a-z-]+)\b", re.IGNORECASE)
REFERENCE_LINE = re.compile(r"\[(\d+)\] (\S+)")
WHY_YOU_GET_THIS = (
    "You get this because you subscribed to {title}, a digest of the news that matches this query: {topic}"
)


def sentence_text(story: int, number: int, words: int = 25) -> str:
    body = " ".join(WORDS[(story + number + k) % len(WORDS)] for k in range(words - 2))
    return f"S{story}.{number} {body} & “quoted” <end>."


def outlet_name(story: int, number: int) -> str:
    return f"Outlet {number} & Sons" if number else f"The Daily {story}"


def make_story(index: int, *, sentences: int = 5, outlets: int = 4, update: bool = False, tracking: str = "") -> Story:
    credits = tuple(
        Credit(
            outlet=outlet_name(index, j),
            url=f"https://www.outlet-{j}.example.com/news/2026/11/23/story-{index}-regulators-announce-reforms{tracking}",
            title=f"Regulators announce reforms, part {index}.{j}: what it means for you",
            copy_of=outlet_name(index, 0) if j == outlets - 1 and outlets > 2 else None,
        )
        for j in range(outlets)
    )
    lines = tuple(
        Sentence(
            text=sentence_text(index, k),
            outlet=credits[k % outlets].outlet,
            url=credits[k % outlets].url,
            also=(credits[(k + 1) % outlets], credits[(k + 2) % outlets]) if k % 2 and outlets > 2 else (),
        )
        for k in range(sentences)
    )
    return Story(
        id=f"story-{index}",
        headline=f"Headline {index}: regulators announce reforms",
        url=credits[0].url,
        sentences=lines,
        outlets=credits,
        first_reported=credits[0],
        first_published=FIRST,
        articles=outlets,
        terms=("regulators", "reforms", f"term{index}"),
        update=update,
    )


def make_digest(stories: int, *, title: str = "Policy Watch", tracking: str = "") -> Digest:
    """`stories` stories of 5 sentences (~25 words) and 4 outlets each; story 1 is an update. `tracking` is
    appended to every article URL."""
    return Digest(
        title=title,
        topic='"financial regulation" AND reform',
        created=CREATED,
        stories=tuple(make_story(i, update=i == 1, tracking=tracking) for i in range(stories)),
    )


def do_render(digest: Digest, **kwargs: str) -> Rendered:
    return render(digest, templates=TEMPLATES, **kwargs)


class _TextOf(HTMLParser):
    """Collects what a reader sees (entities decoded), ignoring <head>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tags: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in ("head", "style", "title"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("head", "style", "title"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> tuple[str, list[str]]:
    """What a reader sees (no-break spaces read as spaces), and the tags in order."""
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts).replace("\xa0", " "), parser.tags


def hrefs(html: str) -> list[str]:
    """Every link target in the HTML, in order, entities decoded."""
    return [unescape(url) for url in re.findall(r'href="([^"]*)"', html)]


def references(text: str) -> dict[int, str]:
    """The "[n] url" list at the end of the text part."""
    listing = text.split("\nLinks:\n", 1)[1]
    return {int(n): url for n, url in REFERENCE_LINE.findall(listing)}


def body(text: str) -> str:
    return text.split("\nLinks:\n", 1)[0]


def contrast(fg: str, bg: str) -> float:
    def luminance(color: str) -> float:
        channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# --- HTML ---------------------------------------------------------------------------------------


def test_html_is_one_english_document() -> None:
    html = do_render(make_digest(3)).html
    lower = html.lower()
    assert lower.count("<!doctype html>") == 1
    assert lower.count("<html") == 1
    assert lower.count("</html>") == 1
    assert re.search(r'<html[^>]*\blang="en"', html)


def test_html_has_every_headline_outlet_and_sentence() -> None:
    digest = make_digest(3)
    html = do_render(digest).html
    seen, _ = visible_text(html)
    for story in digest.stories:
        assert story.headline in seen
        for sentence in story.sentences:
            assert sentence.text in seen
        for credit in story.outlets:
            assert credit.outlet in seen
            assert credit.title is not None and credit.title in seen
            assert credit.url is not None and f'href="{credit.url}"' in html


def test_html_headings_go_h1_then_one_h2_per_story() -> None:
    digest = make_digest(4)
    _, tags = visible_text(do_render(digest).html)
    headings = [t for t in tags if re.fullmatch(r"h\d", t)]
    assert headings == ["h1"] + ["h2"] * len(digest.stories)


def test_story_details_in_html() -> None:
    digest = make_digest(2)
    html = do_render(digest).html
    seen, _ = visible_text(html)
    story = digest.stories[1]
    assert story.update and ">Update</span>" in html
    assert html.count(">Update</span>") == 1
    assert "Coverage: 4 outlets" in seen
    assert f"(copy of {outlet_name(1, 0)})" in seen
    assert f"First reported by {outlet_name(1, 0)}, 23 Nov 2026" in seen
    # What ties the story together is shown on hover over its coverage line, not in the reading text.
    assert 'title="Grouped by: regulators, reforms, term1">Coverage: 4 outlets' in html
    assert "term1" not in seen
    assert f"also reported by {outlet_name(1, 2)}, {outlet_name(1, 3)}" in seen
    assert f'<a href="{story.url}">{story.headline}</a>' in html
    assert "3 stories" not in seen and "2 stories from" in seen


def test_grouping_terms_from_feeds_are_escaped_in_the_hover_text() -> None:
    story = replace(make_story(0), terms=('"><script>alert(1)</script>', "Lumora"))
    html = do_render(replace(make_digest(1), stories=(story,))).html
    assert 'title="Grouped by: &#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;, Lumora"' in html
    assert "<script>alert" not in html


def test_header_and_footer() -> None:
    digest = make_digest(3)
    html = do_render(digest, unsubscribe="mailto:leave@example.org?subject=stop&x=1").html
    seen, _ = visible_text(html)
    assert "Policy Watch" in seen
    assert "25 November 2026" in seen
    assert digest.topic in seen
    assert f"3 stories from {len(digest.outlets)} outlets" in seen
    assert WHY_YOU_GET_THIS.format(title="Policy Watch", topic=digest.topic) in seen
    assert seen.count(digest.topic) == 2, "the query shows in the header and the footer, once each"
    assert 'href="mailto:leave@example.org?subject=stop&amp;x=1"' in html
    assert "Read this issue on the web" not in seen


def test_archive_link_and_bare_unsubscribe_address() -> None:
    html = do_render(make_digest(1), archive_url="https://example.org/a/2026-11-25", unsubscribe="a@b.org").html
    assert '<a href="https://example.org/a/2026-11-25">Read this issue on the web</a>' in html
    assert 'href="mailto:a@b.org"' in html


def test_no_unsubscribe_link_says_how_to_leave() -> None:
    seen, _ = visible_text(do_render(make_digest(1), unsubscribe="").html)
    assert "To unsubscribe, ask the sender" in seen


def test_feed_markup_is_escaped_in_html() -> None:
    evil = "<script>alert(1)</script>"
    story = Story(
        id="x",
        headline=f"Big news {evil}",
        url='https://example.com/a?b=1&c="2"',
        sentences=(Sentence(text=f'He said "{evil}" & left.', outlet=f"Evil {evil}", url=None),),
        outlets=(Credit(outlet=f"Evil {evil}", url="https://example.com/a", title=f"T {evil}"),),
        terms=(evil,),
    )
    digest = Digest(title=f"News {evil}", topic=evil, created=CREATED, stories=(story,))
    html = do_render(digest).html
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="https://example.com/a?b=1&amp;c=&#34;2&#34;"' in html
    seen, _ = visible_text(html)
    assert f"Big news {evil}" in seen and f'He said "{evil}" & left.' in seen


def test_unsafe_links_from_feeds_are_dropped() -> None:
    story = Story(
        id="x",
        headline="Click me",
        url="javascript:alert(1)",
        sentences=(Sentence(text="Text.", outlet="O", url="data:text/html,<b>x</b>"),),
        outlets=(Credit(outlet="O", url="JavaScript:alert(2)", title="T"),),
    )
    rendered = do_render(Digest(title="T", topic="q", created=CREATED, stories=(story,)))
    assert "javascript:" not in rendered.html.lower() and "data:text" not in rendered.html
    assert "javascript:" not in rendered.text.lower() and "data:text" not in rendered.text
    assert "Click me" in rendered.html


def test_control_characters_do_not_break_mjml() -> None:
    dirty = Sentence(text="Bell\x07 null\x00 esc\x1b[31m nonchar\ufffe end.", outlet="O\x0b", url=None)
    story = replace(make_story(0), sentences=(dirty,))
    digest = Digest(title="T", topic="q", created=CREATED, stories=(story,))
    rendered = do_render(digest)
    assert "Bell null esc [31m nonchar end." in rendered.html
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe]", rendered.html + rendered.text)


def test_outlet_names_stay_on_one_line() -> None:
    """An attribution's outlet is glued to its dash with no-break spaces; a very long name can still wrap."""
    long_name = "The Extraordinarily Long Name Of A Regional Outlet"
    story = make_story(0)
    story = replace(story, sentences=(replace(story.sentences[0], outlet=long_name, url=None), *story.sentences[1:]))
    html = do_render(Digest(title="T", topic="q", created=CREATED, stories=(story,))).html
    assert f'—&nbsp;<a href="{story.sentences[1].url}">Outlet&nbsp;1&nbsp;&amp;&nbsp;Sons</a>' in html
    assert f"—&nbsp;{long_name}</span>" in html
    assert "\xa0" not in html, "no-break spaces are spelled &nbsp; so they show in diffs"


def test_no_remote_fonts_images_or_pixels() -> None:
    html = do_render(make_digest(3)).html.lower()
    for needle in ("<img", "fonts.googleapis", "@import", "<link", "src=", "url(", "<script"):
        assert needle not in html, needle


def test_color_scheme_and_dark_mode_styles() -> None:
    html = do_render(make_digest(2)).html
    assert '<meta name="color-scheme" content="light dark"' in html
    assert '<meta name="supported-color-schemes" content="light dark"' in html
    dark = html.split("@media (prefers-color-scheme:dark)", 1)[1].split("</style>", 1)[0]
    # Background and text are both set, so a dark background never meets dark text.
    assert PALETTE["dark_bg"] in dark and PALETTE["dark_text"] in dark and PALETTE["dark_link"] in dark
    # The page around the card and the card itself (whose light background MJML writes inline) both turn dark.
    assert PALETTE["dark_page"] in dark and ".card" in dark


def test_long_urls_can_wrap_on_narrow_screens() -> None:
    html = do_render(make_digest(1)).html
    assert "overflow-wrap:anywhere" in html and "word-break:break-word" in html
    assert 'name="viewport" content="width=device-width' in html


@pytest.mark.parametrize(
    ("fg", "bg"),
    [
        ("text", "bg"),
        ("muted", "bg"),
        ("link", "bg"),
        ("badge_text", "badge_bg"),
        ("dark_text", "dark_bg"),
        ("dark_muted", "dark_bg"),
        ("dark_link", "dark_bg"),
        ("dark_badge_text", "dark_badge_bg"),
    ],
)
def test_palette_contrast_meets_wcag_aa(fg: str, bg: str) -> None:
    assert contrast(PALETTE[fg], PALETTE[bg]) >= 4.5


def test_toc_only_with_more_than_five_stories() -> None:
    five, six = do_render(make_digest(5)), do_render(make_digest(6))
    assert 'href="#s1"' not in five.html and "In this issue" not in five.text
    assert "In this issue" in six.html and "In this issue" in six.text
    for n in range(1, 7):
        assert f'href="#s{n}"' in six.html and f'id="s{n}"' in six.html


def test_twenty_story_digest_fits_under_gmail_clip() -> None:
    sizes = {n: len(do_render(make_digest(n)).html.encode()) for n in (3, 20)}
    print(f"HTML size: 3 stories {sizes[3]} bytes, 20 stories {sizes[20]} bytes")
    assert sizes[20] < GMAIL_CLIP_BYTES
    assert "More in this issue" not in do_render(make_digest(20)).html


# Campaign parameters as some feeds put on every link: 177-character URLs.
TRACKING = "?utm_source=newsletter&utm_medium=email&utm_campaign=daily-digest-2026-11-25&ref=homepage-top"


def test_long_links_fit_under_gmail_clip_with_credits_unlinked() -> None:
    digest = make_digest(20, tracking=TRACKING)
    rendered = do_render(digest)
    html, links = visible_text(rendered.html)[0], hrefs(rendered.html)
    assert len(rendered.html.encode()) < GMAIL_CLIP_BYTES
    assert "More in this issue" not in html
    for story in digest.stories:
        assert story.headline in html and all(s.text in html for s in story.sentences)
        for credit in story.outlets:  # each article linked from the coverage list, no longer from every sentence
            assert credit.url in links
    # contents, headline, coverage, first report, and the line naming each copy
    per_story = [1 + 1 + len(s.outlets) + 1 + sum(1 for c in s.outlets if c.copy_of) for s in digest.stories]
    assert len(links) <= sum(per_story) + 1  # and the unsubscribe link
    assert set(references(rendered.text).values()) >= {c.url for s in digest.stories for c in s.outlets}


def test_stories_past_the_clip_become_headline_links_and_stay_whole_in_text() -> None:
    digest = make_digest(60, tracking=TRACKING)
    rendered = do_render(digest, archive_url="https://news.example.org/digest/2026-11-25/")
    html, links = visible_text(rendered.html)[0], hrefs(rendered.html)
    assert len(rendered.html.encode()) < GMAIL_CLIP_BYTES
    assert "More in this issue" in html and "https://news.example.org/digest/2026-11-25/" in links
    assert all(story.headline in html and story.url in links for story in digest.stories)
    full = [story for story in digest.stories if story.sentences[0].text in html]
    assert 10 < len(full) < 60 and full == list(digest.stories[: len(full)])
    assert "To unsubscribe" in html.split("More in this issue")[1]
    text = " ".join(rendered.text.split())
    assert all(s.text in text for story in digest.stories for s in story.sentences)


# --- subject ------------------------------------------------------------------------------------


def test_subject_default_and_placeholders() -> None:
    digest = make_digest(3)
    assert do_render(digest).subject == "Policy Watch: 25 November 2026"
    custom = do_render(digest, subject="{stories} stories on {topic} ({date})").subject
    assert custom == f"3 stories on {digest.topic} (25 November 2026)"


def test_subject_cannot_inject_headers() -> None:
    rendered = do_render(make_digest(1, title="Weekly\r\nBcc: victim@example.org\x00\u2028x"))
    assert not re.search(r"[\r\n\x00-\x1f\u2028\u2029]", rendered.subject)
    assert rendered.subject == "Weekly Bcc: victim@example.org x: 25 November 2026"


@pytest.mark.parametrize("template", ["{title", "{nope}", "{0}", "{title.upper}", "{stories:zz}"])
def test_bad_subject_template_is_a_render_error(template: str) -> None:
    with pytest.raises(RenderError) as info:
        do_render(make_digest(1), subject=template)
    assert "email.subject" in info.value.hint


# --- plain text ---------------------------------------------------------------------------------


def test_text_has_no_markup_of_ours() -> None:
    text = do_render(make_digest(6), unsubscribe="https://example.org/u", archive_url="https://e.org/a").text
    # Content here has "<end>" in every sentence: look only for tags the templates could write.
    assert not OUR_TAGS.search(text)
    assert "&amp;" not in text and "&lt;" not in text and "&#" not in text
    assert "<end>." in text and "& “quoted”" in text


def test_text_lines_fit_72_columns() -> None:
    text = do_render(make_digest(20), unsubscribe="https://example.org/u").text
    for line in text.splitlines():
        assert len(line) <= TEXT_WIDTH or REFERENCE_LINE.fullmatch(line), line


def test_text_link_references_are_numbered_and_listed() -> None:
    digest = make_digest(3)
    text = do_render(digest, unsubscribe="https://example.org/u", archive_url="https://e.org/a").text
    listed = references(text)
    assert sorted(listed) == list(range(1, len(listed) + 1))
    assert len(set(listed.values())) == len(listed), "each URL listed once"
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", body(text))}
    assert cited == set(listed)
    urls = {c.url for s in digest.stories for c in s.outlets} | {"https://example.org/u", "https://e.org/a"}
    assert urls == set(listed.values())
    number: dict[str | None, int] = {url: n for n, url in listed.items()}
    first = digest.stories[0]
    assert f"{first.headline} [{number[first.url]}]" in body(text)
    assert f"To unsubscribe: [{number['https://example.org/u']}]" in text


def test_text_is_readable() -> None:
    digest = make_digest(2)
    text = do_render(digest).text
    flat = " ".join(text.split())  # undo wrapping
    assert text.startswith("Policy Watch\n25 November 2026\n")
    assert f"Topic: {digest.topic}" in flat
    assert "2 stories from" in flat
    number: dict[str | None, int] = {url: n for n, url in references(text).items()}
    for index, story in enumerate(digest.stories):
        assert story.headline in flat
        for s in story.sentences:
            assert f"{s.text} — {s.outlet} [{number[s.url]}]" in flat
        assert "Coverage: 4 outlets" in flat
        assert f"(copy of {outlet_name(index, 0)})" in flat
    also = digest.stories[0].sentences[1].also
    assert f"; also: {also[0].outlet} [{number[also[0].url]}], {also[1].outlet}" in flat
    assert "First reported by The Daily 0 on 23 Nov 2026" in flat
    assert "Why grouped" not in flat and "term0" not in flat
    assert "2. Update: Headline 1" in flat and "Update: Headline 0" not in flat
    assert WHY_YOU_GET_THIS.format(title="Policy Watch", topic=digest.topic) in flat


def test_story_with_only_the_required_fields() -> None:
    bare = Story(id="b", headline="Bare story", url=None, sentences=(), outlets=())
    lonely = Story(
        id="c",
        headline="Lonely story",
        url=None,
        sentences=(Sentence(text="One line.", outlet="Solo", url=None),),
        outlets=(Credit(outlet="Solo", url=None),),
        first_reported=Credit(outlet="Solo", url=None),
    )
    rendered = do_render(Digest(title="T", topic="q", created=CREATED, stories=(bare, lonely)))
    seen, _ = visible_text(rendered.html)
    assert "Bare story" in seen and "From Solo" in seen and "One line." in seen
    assert "Why grouped" not in seen and "Update" not in seen
    assert "From Solo\n\n   One line.\n" in rendered.text and "Links:" not in rendered.text
    assert "1 story from" not in seen and "2 stories from 1 outlet" in seen


def test_empty_digest_renders() -> None:
    rendered = do_render(Digest(title="T", topic="q", created=CREATED, stories=()))
    assert "0 stories from 0 outlets" in rendered.text
    assert rendered.html.lower().count("<!doctype html>") == 1


def test_text_keeps_feed_markup_as_plain_text() -> None:
    digest = make_digest(1, title="News <script>alert(1)</script>")
    assert "News <script>alert(1)</script>" in do_render(digest).text


def test_wrap_keeps_urls_whole_and_indents() -> None:
    url = "https://example.com/" + "x" * 80
    lines = wrap(f"see {url} now", "   - ").splitlines()
    assert lines == ["   - see", f"     {url}", "     now"]


# --- errors -------------------------------------------------------------------------------------


def test_missing_templates_folder(tmp_path: Path) -> None:
    with pytest.raises(RenderError) as info:
        render(make_digest(1), templates=tmp_path / "nope")
    assert "nope" in info.value.message and "digest.mjml.j2" in info.value.hint


def test_missing_template_file(tmp_path: Path) -> None:
    for name in ("digest.mjml.j2", "_head.mjml.j2"):
        (tmp_path / name).write_text((TEMPLATES / name).read_text())
    with pytest.raises(RenderError, match=r"digest\.txt\.j2 not found"):
        render(make_digest(1), templates=tmp_path)


def test_template_syntax_error_names_template_and_line(tmp_path: Path) -> None:
    (tmp_path / "digest.mjml.j2").write_text("<mjml>\n{% if %}\n</mjml>\n")
    with pytest.raises(RenderError, match=r"digest\.mjml\.j2, line 2"):
        render(make_digest(1), templates=tmp_path)


def test_undefined_name_in_template(tmp_path: Path) -> None:
    (tmp_path / "digest.mjml.j2").write_text("<mjml>\n<mj-body>{{ digest.nope }}</mj-body></mjml>\n")
    with pytest.raises(RenderError, match=r"digest\.mjml\.j2, line 2.*nope"):
        render(make_digest(1), templates=tmp_path)


def test_template_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "digest.mjml.j2").write_bytes(b"<mjml>\xff</mjml>")
    with pytest.raises(RenderError, match="UTF-8"):
        render(make_digest(1), templates=tmp_path)


def test_broken_mjml(tmp_path: Path) -> None:
    (tmp_path / "digest.mjml.j2").write_text("<mjml><mj-body><mj-section>")
    with pytest.raises(RenderError, match="valid MJML"):
        render(make_digest(1), templates=tmp_path)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("unsubscribe", "javascript:x()"),
        ("unsubscribe", "mailto:"),
        ("archive_url", "ftp://x/y"),
        ("archive_url", "/a"),
    ],
)
def test_bad_config_links(key: str, value: str) -> None:
    with pytest.raises(RenderError) as info:
        do_render(make_digest(1), **{key: value})
    assert ("email.unsubscribe" if key == "unsubscribe" else "output.base_url") in info.value.hint


# --- credits at a glance ------------------------------------------------------------------------


def one_outlet_story(copy: bool = False) -> Story:
    """Three sentences of one article; with `copy`, another outlet republished it."""
    own = Credit("Northgate Courier", "https://northgate.example/museum", "Museum opens a show of AI art")
    copier = Credit("NewsFlux Hub", "https://newsflux.example/museum", "Museum show", copy_of="Northgate Courier")
    lines = tuple(Sentence(sentence_text(9, k), own.outlet, own.url, (copier,) if copy else ()) for k in range(3))
    return Story(
        id="one",
        headline=own.title or "",
        url=own.url,
        sentences=lines,
        outlets=(own, copier) if copy else (own,),
        first_reported=own,
        first_published=FIRST,
        articles=2 if copy else 1,
        headline_url=own.url,
        headline_outlet=own.outlet,
    )


def test_a_one_outlet_story_names_its_outlet_once() -> None:
    rendered = do_render(replace(make_digest(1), stories=(one_outlet_story(),)))
    seen, _ = visible_text(rendered.html)
    for part in (seen, rendered.text):
        assert part.count("Northgate Courier") == 1, part
        assert "From Northgate Courier" in part
        assert "Coverage:" not in part and "First reported by" not in part


def two_article_story() -> Story:
    """Four sentences from two articles of one outlet (a report and its reactions piece, as a feed of one paper
    gives them): the State of the Union shape of the Guardian feed in ../shared/eval/feeds."""
    report = Credit("Northgate Courier", "https://northgate.example/speech", "The speech, line by line")
    reactions = Credit("Northgate Courier", "https://northgate.example/reactions", "How the hall took the speech")
    lines = tuple(Sentence(sentence_text(9, k), c.outlet, c.url) for k, c in enumerate((report, reactions) * 2))
    return Story(
        id="two",
        headline=reactions.title or "",
        url=report.url,
        sentences=lines,
        outlets=(report, reactions),
        first_reported=report,
        first_published=FIRST,
        articles=2,
        headline_url=reactions.url,
        headline_outlet=reactions.outlet,
    )


def test_a_one_outlet_story_of_several_articles_names_it_once_and_cites_each_article() -> None:
    """Found in a feed of one paper: "— The Guardian [3]" after every sentence, "Coverage: 1 outlet" and
    "First reported by The Guardian" for a story of two Guardian pieces."""
    rendered = do_render(replace(make_digest(1), stories=(two_article_story(),)))
    seen, _ = visible_text(rendered.html)
    for part in (seen, body(rendered.text)):
        assert part.count("Northgate Courier") == 1, part
        assert "From Northgate Courier · 2 articles" in part
        assert "Coverage:" not in part and "First reported by" not in part
    # The headline's article is listed first: each sentence cites its article by that number.
    assert seen.index("How the hall took the speech") < seen.index("The speech, line by line")
    cited = re.findall(r"\[(\d)\]", seen)
    assert cited == ["2", "1", "2", "1"], seen
    flat = " ".join(body(rendered.text).split())
    assert f"{sentence_text(9, 0)} [2]" in flat and f"{sentence_text(9, 1)} [1]" in flat
    assert "- How the hall took the speech [1] - The speech, line by line [2]" in flat
    nav = {"index": "index.html", "rss": "r", "atom": "a"}
    page = archive_page(
        replace(make_digest(1), stories=(two_article_story(),)), templates=TEMPLATES, subject="s", nav=nav
    )
    assert 'href="https://northgate.example/reactions">[1]</a>' in page  # the archive links each citation
    assert "From Northgate Courier · 2 articles" in visible_text(page)[0]


def test_a_copy_is_said_in_one_line_where_the_reader_reads() -> None:
    rendered = do_render(replace(make_digest(1), stories=(one_outlet_story(copy=True),)))
    seen, _ = visible_text(rendered.html)
    assert "NewsFlux Hub republished Northgate Courier's report." in seen
    assert '<a href="https://newsflux.example/museum">NewsFlux Hub</a> republished' in rendered.html
    flat = " ".join(body(rendered.text).split())
    assert "NewsFlux Hub [2] republished Northgate Courier's report." in flat
    assert "also reported by" not in seen and "also:" not in flat  # the copy line says it once
    story = make_story(0)  # four outlets, the last a copy of the first
    flat = " ".join(do_render(replace(make_digest(1), stories=(story,))).text.split())
    assert f"{outlet_name(0, 3)} [{4}] republished The Daily 0's report." in flat


def test_a_long_coverage_list_folds_to_outlet_names_and_the_archive_keeps_it() -> None:
    story = make_story(0, outlets=6)
    digest = replace(make_digest(1), stories=(story,))
    rendered = do_render(digest)
    seen, _ = visible_text(rendered.html)
    others = [c for c in story.outlets if c.url != story.url]
    assert (
        "Coverage: 6 outlets" in seen
        and "More: " + ", ".join(c.outlet + (" (copy)" if c.copy_of else "") for c in others) in seen
    )
    assert all(f'href="{c.url}"' in rendered.html for c in story.outlets)
    assert not any(c.title and c.title in seen for c in others), "folded: names, not titles"
    page = archive_page(digest, templates=TEMPLATES, subject="s", nav={"index": "index.html", "rss": "r", "atom": "a"})
    page_seen, _ = visible_text(page)
    assert "More: " not in page_seen and all(c.title and c.title in page_seen for c in story.outlets)
    flat = " ".join(rendered.text.split())
    assert all(c.title and c.title in flat for c in story.outlets), "the text part lists every article"


def test_an_older_story_shows_its_date_beside_the_headline() -> None:
    old = replace(make_story(0), first_published=datetime(2025, 3, 14, 9, tzinfo=UTC))
    rendered = do_render(replace(make_digest(2), stories=(old, make_story(1))))
    assert re.search(r"</a> <span class=\"m dt\">· 14 Mar 2025</span></h2>", rendered.html)
    assert rendered.html.count('class="m dt"') == 1, "a story of the last days shows no date"
    assert f"1. {old.headline} (14 Mar 2025) [1]" in rendered.text


def test_the_headline_links_to_the_article_it_is_the_title_of() -> None:
    story = make_story(0)
    titled = replace(story, headline=story.outlets[2].title or "", headline_url=story.outlets[2].url)
    rendered = do_render(replace(make_digest(1), stories=(titled,)))
    assert f'<a href="{titled.headline_url}">{titled.headline}</a></h2>' in rendered.html
    number = {url: n for n, url in references(rendered.text).items()}
    assert f"{titled.headline} [{number[titled.headline_url or '']}]" in " ".join(rendered.text.split())


def test_archive_page_links_previous_next_index_and_feeds() -> None:
    nav = {"index": "index.html", "previous": "2026-11-24.html", "next": "2026-11-26.html", "rss": "../../a.rss"}
    page = archive_page(make_digest(6), templates=TEMPLATES, subject="s", nav=nav | {"atom": "../../a.atom"})
    for href in ("index.html", "2026-11-24.html", "2026-11-26.html", "../../a.rss", "../../a.atom"):
        assert f'href="{href}"' in page
    assert 'rel="prev"' in page and 'rel="next"' in page
    assert all(f'id="s{n}"' in page for n in range(1, 7)), "story anchors feeds link to"
    assert "You get this because" not in page and "More in this issue" not in page
