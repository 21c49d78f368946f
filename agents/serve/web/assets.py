"""The page's files, shipped inside the package (``static/``), with strict headers: a
Content-Security-Policy that allows only this server's own scripts and styles, so nothing
a model or a document writes can run in the page even if it reached the HTML."""

from __future__ import annotations

from functools import cache
from importlib import resources

from starlette.responses import Response

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-cache",
}
ERROR_MARK = 'id="login-error" hidden'


@cache
def asset_names() -> frozenset[str]:
    """The files the page may load (anything else under ``/assets/`` is a 404)."""
    folder = resources.files(__package__).joinpath("static")
    return frozenset(item.name for item in folder.iterdir() if _suffix(item.name) in TYPES)


@cache
def _read(name: str) -> bytes:
    return resources.files(__package__).joinpath("static", name).read_bytes()


def _suffix(name: str) -> str:
    return name[name.rfind(".") :] if "." in name else ""


def asset_response(name: str) -> Response:
    """One shipped file (404 for a name that is not one)."""
    if name not in asset_names():
        return Response("no such file", status_code=404, media_type="text/plain")
    return Response(_read(name), headers={**HEADERS, "content-type": TYPES[_suffix(name)]})


def html_page(name: str, *, status: int = 200, error: bool = False) -> Response:
    """A shipped HTML page; ``error`` shows its hidden error line (the sign-in form's)."""
    body = _read(name)
    if error:
        body = body.replace(ERROR_MARK.encode(), b'id="login-error"')
    headers = {**HEADERS, "content-type": TYPES[".html"]}
    if status == 401:
        headers["www-authenticate"] = "Bearer"
    return Response(body, status_code=status, headers=headers)
