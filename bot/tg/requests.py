"""The bot's Bot API requests: PTB's `HTTPXRequest`, with a shorter path for calls without files.

PTB hands every call to `httpx.AsyncClient.request`, which per call merges the base URL, the
client's headers, cookies and parameters into a new `httpx.Request`, runs the auth and redirect
machinery, reads the cookie jar back out of the response and logs it. None of it does anything
for the Bot API, which sets no cookies, never redirects and needs no auth beyond the token in the
URL; skipping it took a quarter off the CPU of a parent's answer (issue 16, three calls per
answer: `python -m bench.p1_levers`, 3.46 -> 2.44 ms). `LeanRequest` builds the request itself
(the client's own headers, each method's URL parsed once) and hands it straight to the client's
transport, the same connection pool (or proxy) the client would have used. Calls that upload
files keep PTB's path (multipart, the media timeout).

The body is the call's parameters as one JSON document (`application/json`, which the Bot API
takes for every call without files) instead of PTB's form: PTB encodes each value to JSON and
then percent-encodes the whole form, two passes over every keyboard and text, and Telegram then
undoes both. One `json.dumps` is far less work (issue 16, `python -m bench.p1_levers --only
json_body`).

Errors are PTB's: a time-out is `TimedOut`, any other transport error `NetworkError`, and the
status code and body go back to PTB, which turns 4xx/5xx into its exceptions as before.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"  # PTB's own body, kept to compare (bench)
MAX_URLS = 256  # parsed URLs kept (one per Bot API method used; file downloads are not here)


class LeanRequest(HTTPXRequest):
    """`HTTPXRequest` whose calls without files skip `httpx.AsyncClient`'s per-call work."""

    __slots__ = ("_headers", "_urls")
    short = True  # False: PTB's path for every call (`bench/p1_levers.py` measures both)
    json_body = True  # False: PTB's form body on the short path (`bench/p1_levers.py`)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        headers = httpx.Headers(self._client.headers)  # httpx's defaults (Accept, encodings)
        headers["User-Agent"] = self.USER_AGENT
        self._headers = {body: _with_type(headers, body) for body in (JSON, FORM)}
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
        if self.json_body:
            body = JSON
            content = json.dumps(request_data.parameters, ensure_ascii=False).encode()
        else:
            body, content = FORM, request_data.url_encoded_parameters().encode()
        request = httpx.Request(
            method,
            target,
            headers=self._headers[body],
            content=content,
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


def _with_type(headers: httpx.Headers, content_type: str) -> list[tuple[bytes, bytes]]:
    typed = httpx.Headers(headers)
    typed["Content-Type"] = content_type
    return typed.raw


def _default(value: object) -> bool:
    return isinstance(value, DefaultValue)
