"""HTTP API (FastAPI) for shop platforms, coordinators and analysts."""
