"""The service's settings, read from ``LOGISTICS_*`` environment variables.

Library functions never read these settings: they take explicit parameters.  Only the shell
(CLI, API, jobs) builds a :class:`Settings` and passes values down.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgresql+psycopg://logistics:logistics@127.0.0.1:5432/logistics"


class Settings(BaseSettings):
    """Service configuration (environment variables prefixed ``LOGISTICS_``)."""

    model_config = SettingsConfigDict(env_prefix="LOGISTICS_", extra="ignore")

    database_url: str = Field(
        DEFAULT_DATABASE_URL, description="SQLAlchemy URL of the PostGIS database."
    )
    data_dir: Path = Field(REPO_ROOT / "data", description="Folder of the bundled sample data.")
    cache_dir: Path = Field(
        Path.home() / ".cache" / "logistics", description="Prepared road graphs and matrices."
    )
    host: str = Field("127.0.0.1", description="Address `logistics serve` listens on.")
    port: int = Field(8000, description="Port `logistics serve` listens on.")
    hold_ttl_minutes: int = Field(
        10, ge=1, le=1440, description="Minutes an unconfirmed slot hold keeps its place."
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (read once from the environment)."""
    return Settings()
