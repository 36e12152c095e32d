"""Prometheus metrics, counted in each server process (see metrics_server.py for how they are
served): requests, latency, render caches, render time and database waits."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

REQUESTS = Counter(
    "bookfeed_http_requests",
    "HTTP requests answered, by route template and status",
    ["route", "status"],
)
LATENCY = Histogram(
    "bookfeed_http_request_seconds",
    "Time from a request's arrival to its last body byte, by route template",
    ["route"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
CACHE = Counter(
    "bookfeed_render_cache",
    "Render cache lookups, by cache and result (hit or miss)",
    ["cache", "result"],
)
RENDER = Histogram(
    "bookfeed_render_seconds",
    "Time spent building what a cache miss needs, by cache",
    ["cache"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
EVENTS_RENDERED = Counter(
    "bookfeed_feed_events_rendered",
    "VEVENTs rendered for feeds, by render: full (the whole window) or changes (written since)",
    ["render"],
)
DB_WAIT = Histogram(
    "bookfeed_database_wait_seconds",
    "Time waiting for the database connection before a transaction starts",
    buckets=(0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5),
)
