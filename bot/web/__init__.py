"""`ouderstem serve`: the bot as one ASGI application for webhooks and several workers (issue 13).

    app.py      the Starlette app: the Telegram webhook, /healthz, /readyz, /metrics, lifespan
    metrics.py  the Prometheus metrics (counts and timings only: never a chat id or a text)
    cli.py      `ouderstem serve` and `ouderstem webhook set|info|delete`

Polling (`ouderstem run`) stays the zero-config default; this is for a city behind a proxy.
"""
