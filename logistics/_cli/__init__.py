"""Command modules of the ``logistics`` CLI, one per concern."""
