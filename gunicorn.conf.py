"""How production serves the web application: `gunicorn -c gunicorn.conf.py web.wsgi:app`
(the Dockerfile's command and the compose file's `web` service; the bench uses it too).

Environment: NBASSIST_BIND (default 0.0.0.0:8000), NBASSIST_WORKERS (or gunicorn's own
WEB_CONCURRENCY; default 4 processes), NBASSIST_FORWARDED_ALLOW_IPS (the proxy in front).

A worker that waits for SQLite's write lock waits at most the busy timeout and then
answers 503 (try again); the worker timeout is longer, so gunicorn never kills a worker
that is only waiting its turn, and the person gets an answer rather than a reset
connection.
"""

from __future__ import annotations

import os

from engine.db import SQLITE_BUSY_SECONDS

bind = os.environ.get("NBASSIST_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("NBASSIST_WORKERS") or os.environ.get("WEB_CONCURRENCY") or 4)
# Sync workers: one request per process at a time, so a worker holds at most one
# database connection and SQLite's writers queue on its lock rather than in threads.
worker_class = "sync"
# Even a request whose two units of work each wait the whole busy timeout answers.
timeout = SQLITE_BUSY_SECONDS * 2 + 15
graceful_timeout = timeout
keepalive = 5
# Recycle workers now and then, so one process's memory cannot creep past its budget.
max_requests = 5000
max_requests_jitter = 500

accesslog = "-"
errorlog = "-"
# Who, what, status, size and how long it took (microseconds), one line per request.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(D)sus'
forwarded_allow_ips = os.environ.get("NBASSIST_FORWARDED_ALLOW_IPS", "127.0.0.1")
