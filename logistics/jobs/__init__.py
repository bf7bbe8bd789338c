"""Long-running jobs (planning) on a PostgreSQL-backed task queue."""
