"""The event viewer: static HTML, CSS and plain JavaScript served at ``/ui`` by the intake.

The page is a client of the public API like any other: it asks the user for an API key
(kept in the tab's ``sessionStorage``) and sends it with every ``/v1`` request, so the
files themselves can be served without a key while no data is ever shown without one.
There is no build step: the files under ``static/`` are what the browser runs.

Article text is untrusted. The scripts only ever put it into the page as text nodes
(``textContent``), and every answer of ``/ui`` carries a Content-Security-Policy that
allows scripts from this origin only, so even a mistake there could not run a script an
article smuggled in.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

#: The viewer's files.
STATIC_DIR = Path(__file__).with_name("static")
#: Where the viewer is served.
UI_PATH = "/ui"
#: Sent with every file of the viewer: same-origin scripts, styles and requests only.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class ViewerFiles(StaticFiles):
    """StaticFiles whose answers carry ``SECURITY_HEADERS``."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(SECURITY_HEADERS)
        return response


def install_viewer(app: FastAPI) -> None:
    """Serve the viewer at ``/ui/`` (``/ui`` redirects there); no API key needed for files."""

    @app.get(UI_PATH, include_in_schema=False)
    async def viewer_root() -> RedirectResponse:
        return RedirectResponse(f"{UI_PATH}/", status_code=307)

    app.mount(UI_PATH, ViewerFiles(directory=STATIC_DIR, html=True), name="viewer")
