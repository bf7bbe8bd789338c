"""zones (pure core: no database, no HTTP)."""
