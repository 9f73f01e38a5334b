"""The metrics `/metrics` shows, in Prometheus's text format. Labels are update kinds, error
class names and outbox kinds and statuses: never a chat id, a name or an answer text.

Each app has its own registry (not prometheus_client's global one), so two apps in one process
(tests) never share counts.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.store.protocols import Store

# Seconds from receiving an update to having handled it; the answers' own write is a few ms.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """Counters the webhook updates as it goes, and gauges read from the store when scraped."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "ouderstem_updates",
            "Telegram updates handled, by kind",
            ["kind"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "ouderstem_update_handling_seconds",
            "Time from receiving an update to having handled it",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "ouderstem_errors",
            "Errors while handling updates, by exception class",
            ["kind"],
            registry=self.registry,
        )
        self.rejected = Counter(
            "ouderstem_webhook_rejected",
            "Webhook requests refused before handling, by reason",
            ["reason"],
            registry=self.registry,
        )
        self.answers = Gauge(
            "ouderstem_answers_stored", "Answers in the database", registry=self.registry
        )
        self.outbox = Gauge(
            "ouderstem_outbox_messages",
            "Outbox messages by kind and status (pending is the queue; failed and unknown the failures)",
            ["kind", "status"],
            registry=self.registry,
        )

    async def render(self, store: Store) -> bytes:
        """The text exposition, with the store's gauges read now."""
        rows = await store.run_read("SELECT COUNT(*) FROM answers")
        self.answers.set(int(rows[0][0]) if rows else 0)
        self.outbox.clear()
        for kind, statuses in (await store.outbox_counts()).items():
            for status, n in statuses.items():
                self.outbox.labels(kind=kind, status=status).set(n)
        return generate_latest(self.registry)
