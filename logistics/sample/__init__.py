"""Sample territories and the seeded day generator (pure: no database, no HTTP)."""
