"""rq entry points for Zero-Legwork: the worker process and the job it runs."""
