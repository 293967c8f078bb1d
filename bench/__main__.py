"""`python -m bench`: the engine benchmarks, then the scheduler benchmarks."""

import logging

from bench import bench_engine, bench_scheduler

logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log per request
bench_engine.main()
bench_scheduler.main()
