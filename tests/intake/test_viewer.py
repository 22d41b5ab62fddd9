"""The viewer's files and the route it reads article text from.

The files are served without a key but with a strict Content-Security-Policy; the
article's content, like everything under /v1, needs a key and stays within its tenant.
The page itself is exercised in a real browser by tests/integration/test_viewer_browser.py.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from intake_helpers import create_key

from services.intake.viewer import STATIC_DIR
from shared.store import Store


def test_the_viewer_is_served_without_a_key_with_a_strict_policy(client: TestClient) -> None:
    client.headers.pop("Authorization")
    assert client.get("/ui", follow_redirects=False).headers["location"] == "/ui/"
    page = client.get("/ui/")
    assert page.status_code == 200
    assert 'src="viewer.js"' in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    for name in ("viewer.js", "api.js", "spans.js", "render.js", "viewer.css"):
        answer = client.get(f"/ui/{name}")
        assert answer.status_code == 200, name
        assert answer.headers["x-content-type-options"] == "nosniff"


def test_the_scripts_never_write_html() -> None:
    """Article text reaches the page as text nodes only: no HTML-parsing sinks in the code."""
    for script in STATIC_DIR.glob("*.js"):
        code = script.read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in code, f"{script.name} uses {sink}"


def test_content_of_an_article_needs_a_key_and_stays_in_its_tenant(
    client: TestClient, store: Store
) -> None:
    article = {"id": "c-1", "text": "Talks in <b>Geneva</b>.", "title": "T", "source": "S"}
    assert client.post("/v1/articles", json=article).status_code == 202
    answer = client.get("/v1/articles/c-1/content")
    assert answer.status_code == 200
    assert answer.json() == {**article, "url": None, "published_at": None}
    assert client.get("/v1/articles/nope/content").status_code == 404
    other = {"Authorization": f"Bearer {create_key(store, 'someone-else')}"}
    assert client.get("/v1/articles/c-1/content", headers=other).status_code == 404
    assert client.get("/v1/articles/c-1/content", headers={"Authorization": ""}).status_code == 401
