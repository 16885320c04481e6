"""Running a batch: the async engine, its throttle, and the worker processes it starts."""
