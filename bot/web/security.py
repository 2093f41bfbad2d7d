"""Security headers for every response and the CSRF check for the console's state-changing requests."""

from __future__ import annotations

import hmac

from aiohttp import web

# No inline script or style anywhere: htmx and the stylesheet are files of our own origin.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SERVER = "werkhelpdesk"  # no framework or Python version for scanners to match against
CSRF_FIELD = "csrf"
STATIC = "/console/static/"
CSRF_HEADER = "X-CSRF-Token"


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: runs before aiohttp fills in its default Server header."""
    response.headers["Server"] = SERVER
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    if response.content_type == "text/html":
        response.headers["Content-Security-Policy"] = CSP
    if response.content_type == "text/html" or (
        request.path.startswith("/console/") and not request.path.startswith(STATIC)
    ):
        # Pages and downloads (a newcomer's photo, a report's CSV) stay out of a shared computer's cache.
        response.headers.setdefault("Cache-Control", "no-store")


async def csrf_ok(request: web.Request, expected: str) -> bool:
    """The token of a form field or of htmx's header must match the session's."""
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        sent = str((await request.post()).get(CSRF_FIELD, ""))
    return bool(sent) and hmac.compare_digest(sent.encode(), expected.encode())
