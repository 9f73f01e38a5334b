"""The bot's Bot API requests: PTB's `HTTPXRequest`, with a shorter path for calls without files.

PTB hands every call to `httpx.AsyncClient.request`, which per call merges the base URL, the
client's headers, cookies and parameters into a new `httpx.Request`, runs the auth and redirect
machinery, reads the cookie jar back out of the response and logs it. None of it does anything
for the Bot API, which sets no cookies, never redirects and needs no auth beyond the token in the
URL; skipping it took a quarter off the CPU of a parent's answer (issue 16, three calls per
answer: `python -m bench.p1_levers`, 3.46 -> 2.44 ms). `LeanRequest` builds the request itself (the same form-encoded body PTB's client would
send, the client's own headers, each method's URL parsed once) and hands it straight to the
client's transport, the same connection pool (or proxy) the client would have used; Telegram
sees the same request. Calls that upload files keep PTB's path (multipart, the media timeout).

Errors are PTB's: a time-out is `TimedOut`, any other transport error `NetworkError`, and the
status code and body go back to PTB, which turns 4xx/5xx into its exceptions as before.
"""

from __future__ import annotations

from typing import Any

import httpx
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

FORM = "application/x-www-form-urlencoded"
MAX_URLS = 256  # parsed URLs kept (one per Bot API method used; file downloads are not here)


class LeanRequest(HTTPXRequest):
    """`HTTPXRequest` whose calls without files skip `httpx.AsyncClient`'s per-call work."""

    __slots__ = ("_headers", "_urls")
    short = True  # False: PTB's path for every call (`bench/p1_levers.py` measures both)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        headers = httpx.Headers(self._client.headers)  # httpx's defaults (Accept, encodings)
        headers["User-Agent"] = self.USER_AGENT
        headers["Content-Type"] = FORM
        self._headers = headers.raw
        self._urls: dict[str, httpx.URL] = {}

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if (
            not self.short
            or request_data is None
            or request_data.contains_files
            or self._client.is_closed
        ):
            return await super().do_request(
                url,
                method,
                request_data,
                read_timeout,
                write_timeout,
                connect_timeout,
                pool_timeout,
            )
        client = self._client
        timeout = httpx.Timeout(
            connect=client.timeout.connect if _default(connect_timeout) else connect_timeout,
            read=client.timeout.read if _default(read_timeout) else read_timeout,
            write=client.timeout.write if _default(write_timeout) else write_timeout,
            pool=client.timeout.pool if _default(pool_timeout) else pool_timeout,
        )
        target = self._urls.get(url)
        if target is None:
            target = httpx.URL(url)
            if len(self._urls) < MAX_URLS:
                self._urls[url] = target
        request = httpx.Request(
            method,
            target,
            headers=self._headers,
            content=request_data.url_encoded_parameters().encode(),
            extensions={"timeout": timeout.as_dict()},
        )
        try:
            response = await client._transport_for_url(target).handle_async_request(request)
            response.request = request
            try:
                content = await response.aread()
            finally:
                await response.aclose()
        except httpx.TimeoutException as err:
            if isinstance(err, httpx.PoolTimeout):
                raise TimedOut(
                    message="Pool timeout: all connections in the connection pool are occupied; "
                    "the request was not sent to Telegram."
                ) from err
            raise TimedOut from err
        except httpx.HTTPError as err:
            raise NetworkError(f"httpx.{err.__class__.__name__}: {err}") from err
        return response.status_code, content


def _default(value: object) -> bool:
    return isinstance(value, DefaultValue)
