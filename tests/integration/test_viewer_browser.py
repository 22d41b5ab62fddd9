"""The viewer in a real browser (headless Chromium, Selenium) against a running stack.

Through the page only: enter the API key, submit the seed article, wait for the status to
reach done, then check the drawing against the API's result (every highlighted span's text
is exactly ``text[start:end]``, the whole text is there once), that the filters change the
events table, and that an article made of HTML and script renders as text and runs
nothing. Screenshots go to ``var/screenshots/``.

Chromium and its driver come from Debian (``make install-browser``). Without them the
tests skip, saying so, unless ``NEWSEVENTS_REQUIRE_BROWSER`` is set (CI sets it: there a
missing browser is a failure, not a skip).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pipeline_helpers import wait_for
from viewer_stack import LiveStack

from shared.settings import REPO_ROOT

pytestmark = pytest.mark.slow

CHROMIUM = Path(os.environ.get("NEWSEVENTS_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("NEWSEVENTS_CHROMEDRIVER", "/usr/bin/chromedriver"))
SCREENSHOTS = REPO_ROOT / "var" / "screenshots"
SEED = REPO_ROOT / "seeds" / "ukrinform-2025-12-06-peace-talks.txt"
SEED_ID = "ukrinform-2025-12-06-peace-talks"
#: An emoji (two UTF-16 units, one code point) before the events checks the offset mapping.
HOSTILE_TEXT = (
    "😀 Police arrested <b>twelve</b> protesters in Tbilisi on Monday. "
    '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> '
    "The government condemned the protest."
)
DONE_TIMEOUT_S = 240.0


def browser_missing() -> str | None:
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        return f"no {CHROMIUM} or {CHROMEDRIVER}: run `make install-browser` (Debian packages)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    missing = browser_missing()
    if missing:
        if os.environ.get("NEWSEVENTS_REQUIRE_BROWSER"):
            pytest.fail(f"browser required (NEWSEVENTS_REQUIRE_BROWSER) but {missing}")
        pytest.skip(missing)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1500,1300",
        "--disable-gpu",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    driver.set_script_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def page(browser: Any, live_stack: LiveStack) -> Any:
    """The viewer, opened and given the stack's API key."""
    browser.get(f"{live_stack.url}/ui/")
    key = browser.find_element("id", "api-key")
    key.send_keys(live_stack.api_key)
    browser.find_element("id", "key-save").click()
    wait_for(lambda: "key set" in text_of(browser, "key-state"), "the key to be taken")
    return browser


def text_of(browser: Any, element_id: str) -> str:
    return str(
        browser.execute_script(f"return document.getElementById('{element_id}').textContent")
    )


def set_value(browser: Any, element_id: str, value: str) -> None:
    browser.execute_script(
        "const field = document.getElementById(arguments[0]); field.value = arguments[1];"
        "field.dispatchEvent(new Event('input', {bubbles: true}));",
        element_id,
        value,
    )


def submit_through_page(browser: Any, article_id: str, text: str, **fields: str) -> None:
    """Fill the article form as a user would and submit; wait for the drawing of the result."""
    set_value(browser, "article-id", article_id)
    set_value(browser, "article-text", text)
    for name in ("title", "published", "source"):
        set_value(browser, f"article-{name}", fields.get(name, ""))
    browser.find_element("id", "submit-article").click()
    wait_for(
        lambda: browser.find_element("id", "status").get_attribute("class") in ("done", "failed"),
        f"{article_id} to be done",
        DONE_TIMEOUT_S,
    )
    assert browser.find_element("id", "status").get_attribute("class") == "done", text_of(
        browser, "status"
    )
    wait_for(
        lambda: (
            browser.execute_script(
                "return document.getElementById('article-panel').dataset.articleId"
            )
            == article_id
        ),
        f"{article_id} to be drawn",
    )


def drawn_segments(browser: Any) -> list[dict[str, Any]]:
    """The highlighted segments of the drawn article: their span ids and their text."""
    segments: list[dict[str, Any]] = browser.execute_script(
        "return [...document.querySelectorAll('#article-text-view .seg')].map((seg) => ("
        "{spans: seg.dataset.spans.split(' '), text: seg.textContent}))"
    )
    return segments


def expected_spans(result: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """Span ids as the page names them, with the offsets the API gives."""
    spans: dict[str, tuple[int, int]] = {}
    for index, event in enumerate(result["events"]):
        spans[f"e{index}-t"] = (event["trigger"]["start"], event["trigger"]["end"])
        for position, argument in enumerate(event["arguments"]):
            spans[f"e{index}-a{position}"] = (argument["start"], argument["end"])
        for part in ("time", "place"):
            if event.get(part):
                spans[f"e{index}-{part}"] = (event[part]["start"], event[part]["end"])
    return {name: span for name, span in spans.items() if span[1] > span[0]}


def check_drawing(browser: Any, text: str, result: dict[str, Any]) -> int:
    """Every span's drawn text is text[start:end]; the article text is drawn whole, once."""
    drawn = text_of(browser, "article-text-view")
    assert drawn == text
    segments = drawn_segments(browser)
    spans = expected_spans(result)
    for name, (start, end) in spans.items():
        pieces = "".join(segment["text"] for segment in segments if name in segment["spans"])
        assert pieces == text[start:end], name
    drawn_names = {name for segment in segments for name in segment["spans"]}
    assert drawn_names == set(spans)
    return len(spans)


def screenshot(browser: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    browser.save_screenshot(str(path))
    return path


def table_total(browser: Any) -> int:
    wait_for(
        lambda: browser.execute_script(
            "return document.getElementById('events-table').dataset.total"
        ),
        "the events table",
    )
    return int(
        browser.execute_script("return document.getElementById('events-table').dataset.total")
    )


def apply_filters(browser: Any, **values: str) -> int:
    """Set the filter fields, search, and return the table's total once it changed."""
    browser.execute_script("document.getElementById('events-table').dataset.total = ''")
    for field in ("type", "plover", "from", "to", "article"):
        set_value(browser, f"filter-{field}", values.get(field, ""))
    browser.find_element("id", "filter-apply").click()
    return table_total(browser)


def test_the_seed_article_is_drawn_with_exact_offsets(page: Any, live_stack: LiveStack) -> None:
    text = SEED.read_text(encoding="utf-8")
    submit_through_page(
        page,
        SEED_ID,
        text,
        title="Zelensky, Rutte discuss Ukraine",
        published="2025-12-06",
        source="Ukrinform",
    )
    with live_stack.client() as client:
        result = client.get(f"/v1/articles/{SEED_ID}").json()["result"]
    assert result["events"], "the seed article has events"
    assert check_drawing(page, text, result) >= len(result["events"])

    # Clicking a trigger shows its event: confidence, normalized time and place, PLOVER.
    index = next((i for i, event in enumerate(result["events"]) if event.get("plover")), 0)
    event = result["events"][index]
    segment = f"#article-text-view .seg[data-spans~='e{index}-t']"
    page.find_element("css selector", segment).click()
    details = wait_for(lambda: text_of(page, "details"), "the details of a clicked event")
    assert f"{event['type']}: “{event['trigger']['text']}”" in details
    assert "confidence" in details
    if event.get("plover"):
        assert f"PLOVER{event['plover']['type']}" in details
    if (event.get("time") or {}).get("value"):
        assert event["time"]["value"] in details
    if event.get("place"):
        assert event["place"]["name"] in details
    rows = page.find_elements("css selector", "#events-table tbody tr")
    assert len(rows) == min(len(result["events"]), 25)
    screenshot(page, "viewer-seed.png")


def test_the_filters_change_the_table(page: Any, live_stack: LiveStack) -> None:
    with live_stack.client() as client:
        result = client.get(f"/v1/articles/{SEED_ID}").json()["result"]
        events = result["events"]
        everything = apply_filters(page)
        assert everything == client.get("/v1/events").json()["total"] >= len(events)

        event_type = events[0]["type"]
        by_type = apply_filters(page, type=event_type)
        assert by_type == client.get("/v1/events", params={"type": event_type}).json()["total"]
        assert by_type > 0
        shown = {cell.text for cell in page.find_elements("css selector", "#events-table td.type")}
        assert shown == {event_type}

        assert apply_filters(page, type="NoSuchEventType") == 0
        assert "no events match" in text_of(page, "page-info")
        assert page.find_elements("css selector", "#events-table tbody tr") == []

        dated = [
            event["time"]["value"] for event in events if (event.get("time") or {}).get("value")
        ]
        if dated:
            day = min(dated)
            in_range = apply_filters(page, **{"from": day, "to": day})
            expected = client.get("/v1/events", params={"date_from": day, "date_to": day})
            assert in_range == expected.json()["total"] > 0
            assert day in text_of(page, "timeline")
        assert apply_filters(page, **{"from": "1990-01-01", "to": "1990-01-02"}) == 0

        assert apply_filters(page, article=SEED_ID) == len(events)
    # Another tenant's key sees none of it.
    with live_stack.client(live_stack.other_key) as other:
        assert other.get("/v1/events").json()["total"] == 0
        assert other.get(f"/v1/articles/{SEED_ID}/content").status_code == 404


def test_the_table_pages_through_the_events(page: Any, live_stack: LiveStack) -> None:
    with live_stack.client() as client:
        query = {"article_id": SEED_ID, "limit": 10}
        first, second = (
            client.get("/v1/events", params={**query, "offset": offset}).json()
            for offset in (0, 10)
        )
    total = first["total"]
    assert total > 10, "the seed article has more than one page of events"

    def shown_ids() -> list[int]:
        rows = page.find_elements("css selector", "#events-table tbody tr")
        return [int(row.get_attribute("data-event-id")) for row in rows]

    set_value(page, "filter-limit", "10")
    assert apply_filters(page, article=SEED_ID) == total
    assert text_of(page, "page-info") == f"1–10 of {total}"
    assert shown_ids() == [item["id"] for item in first["items"]]
    page.find_element("id", "page-next").click()
    wait_for(lambda: text_of(page, "page-info") == f"11–20 of {total}", "page 2", 30.0)
    assert shown_ids() == [item["id"] for item in second["items"]]
    page.find_element("id", "page-prev").click()
    wait_for(lambda: text_of(page, "page-info") == f"1–10 of {total}", "page 1", 30.0)


def test_an_article_of_html_and_script_renders_as_text(page: Any, live_stack: LiveStack) -> None:
    submit_through_page(page, "hostile-markup", HOSTILE_TEXT)
    with live_stack.client() as client:
        result = client.get("/v1/articles/hostile-markup").json()["result"]
    check_drawing(page, HOSTILE_TEXT, result)
    assert page.execute_script("return window.__pwned === undefined")
    markup = page.find_elements(
        "css selector", "#article-text-view script, #article-text-view img, #article-text-view b"
    )
    assert markup == []
    assert "<script>" in text_of(page, "article-text-view")
    screenshot(page, "viewer-hostile.png")
