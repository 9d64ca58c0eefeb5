"""HTTP hardening as one ASGI middleware: Host allow-list (DNS rebinding), same-origin
``Origin`` on every state-changing request, and security headers (a CSP without
``unsafe-inline``) on every response. CSRF tokens are checked in the routes, which know the
session."""

from __future__ import annotations

from urllib.parse import urlsplit

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


class SecurityMiddleware:
    def __init__(self, app, host_names: set[str]):
        self.app = app
        self.host_names = {h.lower() for h in host_names}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if name.lower() not in self.host_names:
            return await _refuse(
                send,
                400,
                "This server does not answer to that Host name "
                "(DNS-rebinding protection). Use the address the "
                "server printed, or start it with --allowed-host.",
            )
        if scope["method"] not in SAFE_METHODS:
            expected = f"{scope.get('scheme', 'http')}://{host}".lower()
            origin = headers.get("origin")
            if origin is None or origin == "null":
                referer = headers.get("referer")
                origin = _origin_of(referer) if referer else origin
            if origin != expected:
                return await _refuse(
                    send,
                    403,
                    "Cross-origin request refused: state changes "
                    "must come from this review app's own pages "
                    "(same-origin Origin header required).",
                )

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                present = {k.lower() for k, _ in message["headers"]}
                extra = [(k, v) for k, v in HEADERS if k not in present]
                path = scope.get("path", "")
                if not path.startswith("/static/") and b"cache-control" not in present:
                    extra.append((b"cache-control", b"no-store"))
                message["headers"] = list(message["headers"]) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _refuse(send, status: int, text: str) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
