"""The page's sign-in when the server has a bearer token.

Browsers cannot add an ``Authorization`` header to a page they navigate to, so the page
signs in once: ``POST /login`` with the token sets an HttpOnly, SameSite=Strict cookie
that stands for the token on the page's own paths (``/``, ``/assets/``, ``/api/``) and
nowhere else. The API routes keep requiring the header, and a page request that changes
something must also carry ``X-Interlace-Page: 1`` (no other site can send that header
without the CORS permission this server never grants). Without the header or the cookie,
``/`` answers 401 with the sign-in form; every other route answers 401 as before.
"""

from __future__ import annotations

import hashlib
import secrets
from urllib.parse import parse_qs

from ..middleware import ASGIApp, Receive, Scope, Send, send_json
from ..settings import token_matches
from .assets import asset_response, html_page

COOKIE = "interlace_session"
PAGE_HEADER = b"x-interlace-page"
PAGE_PATHS = ("/assets/", "/api/")
PUBLIC = ("/login", "/assets/login.js", "/assets/style.css")
MAX_FORM_BYTES = 4096
SAFE_METHODS = ("GET", "HEAD")


def session_value(token: str) -> str:
    """The cookie value standing for ``token`` (a digest: the cookie is not the token)."""
    return hashlib.sha256(b"interlace-web\x00" + token.encode()).hexdigest()


class WebSession:
    """Sign-in form, session cookie and cross-site guard in front of the bearer check."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token
        self.session = session_value(token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method = scope.get("path", ""), scope.get("method", "GET")
        headers = dict(scope.get("headers") or ())
        if path == "/login" and method == "POST":
            await self._login(scope, receive, send)
        elif path == "/login":
            await html_page("login.html")(scope, receive, send)
        elif path in PUBLIC:
            await asset_response(path.removeprefix("/assets/"))(scope, receive, send)
        elif b"authorization" in headers or not _is_page(path):
            await self.app(scope, receive, send)
        elif self._signed_in(headers):
            if method not in SAFE_METHODS and headers.get(PAGE_HEADER) != b"1":
                message = "cross-site request refused: send the header X-Interlace-Page: 1"
                await send_json(send, 403, {"error": {"message": message, "type": "forbidden"}})
                return
            bearer = (b"authorization", f"Bearer {self.token}".encode())
            scope = {**scope, "headers": [*scope.get("headers", []), bearer]}
            await self.app(scope, receive, send)
        elif path == "/":
            await html_page("login.html", status=401)(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def _signed_in(self, headers: dict[bytes, bytes]) -> bool:
        cookies = headers.get(b"cookie", b"").decode("latin-1")
        for part in cookies.split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE and secrets.compare_digest(value.encode(), self.session.encode()):
                return True
        return False

    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while len(body) <= MAX_FORM_BYTES:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        form = parse_qs(body[:MAX_FORM_BYTES].decode("utf-8", "replace"))
        token = form.get("token", [""])[0]
        if not token_matches(f"Bearer {token}", self.token):
            await html_page("login.html", status=401, error=True)(scope, receive, send)
            return
        target = _next(form.get("next", ["/"])[0])
        cookie = f"{COOKIE}={self.session}; HttpOnly; SameSite=Strict; Path=/"
        headers = [(b"location", target.encode()), (b"set-cookie", cookie.encode())]
        await send({"type": "http.response.start", "status": 303, "headers": headers})
        await send({"type": "http.response.body", "body": b""})


def _is_page(path: str) -> bool:
    return path == "/" or path.startswith(PAGE_PATHS)


def _next(target: str) -> str:
    """Only a path on this server (never ``//other.host``) to go to after signing in."""
    return target if target.startswith("/") and not target.startswith("//") else "/"
