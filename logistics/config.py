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
    workers: int = Field(
        0,
        ge=0,
        le=64,
        description="Server processes `logistics serve` starts (0: one per CPU core, at most 4).",
    )
    access_log: bool = Field(True, description="Log one line per HTTP request.")
    db_pool_size: int = Field(
        10,
        ge=1,
        le=200,
        description="Database connections of each server process; also the most requests a "
        "process works on at once (the others wait their turn, without holding a thread).",
    )
    db_pre_ping: bool = Field(
        True,
        description="Check a pooled database connection with a round trip before each request "
        "uses it (false: saves the round trip; after a database restart the requests then in "
        "flight fail once with 503).",
    )
    auth_cache_seconds: float = Field(
        5.0,
        ge=0,
        le=300,
        description="Seconds a server process trusts an API key it has looked up before looking "
        "it up again (0: every request); a revoked key is refused at the latest this long after.",
    )
    hold_ttl_minutes: int = Field(
        10, ge=1, le=1440, description="Minutes an unconfirmed slot hold keeps its place."
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (read once from the environment)."""
    return Settings()
