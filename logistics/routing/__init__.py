"""routing (pure core: no database, no HTTP)."""
