"""slots (pure core: no database, no HTTP)."""
