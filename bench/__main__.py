"""`python -m bench [NAME] [options]`: run the benchmarks.

Without a name: the engine benchmarks, then the scheduler benchmarks (`make bench`).
By name: `engine`, `scheduler`, or `throughput [--seconds 30] [--clients 8]` (gunicorn
on SQLite and PostgreSQL, see bench/bench_throughput.py; not in the default run because
it takes a minute or two and wants a PostgreSQL server), or `lists [--sizes 10000,100000]`
(the case and task lists at 10,000 and 100,000 generated cases, see bench/bench_lists.py;
a few minutes, PostgreSQL too when NBASSIST_BENCH_DATABASE_URL names a database).
"""

import logging
import sys
from collections.abc import Callable

from bench import bench_engine, bench_lists, bench_scheduler, bench_throughput

logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log per request

BENCHMARKS: dict[str, Callable[[list[str]], object]] = {
    "engine": lambda _argv: bench_engine.main(),
    "scheduler": lambda _argv: bench_scheduler.main(),
    "throughput": bench_throughput.main,
    "lists": bench_lists.main,
}

if len(sys.argv) > 1:
    name, argv = sys.argv[1], sys.argv[2:]
    if name not in BENCHMARKS:
        sys.exit(f"unknown benchmark {name!r}; choose from {', '.join(BENCHMARKS)}")
    sys.exit(BENCHMARKS[name](argv) or 0)
bench_engine.main()
bench_scheduler.main()
