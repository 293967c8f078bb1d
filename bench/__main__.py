"""`python -m bench`: the engine benchmarks, then the scheduler benchmarks."""

from bench import bench_engine

bench_engine.main()
