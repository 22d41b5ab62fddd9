"""Configuration from the environment, one place for every knob (pydantic-settings).

Every setting can be given as an environment variable; the names are listed in the
README's settings table. ``get_settings()`` is cached so that a process reads its
environment once; tests that change the environment call ``get_settings.cache_clear()``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.callback_policy import parse_networks

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL_DIR = REPO_ROOT / "workers" / "models" / "default"


class Settings(BaseSettings):
    """All runtime settings of newsevents."""

    model_config = SettingsConfigDict(env_prefix="NEWSEVENTS_", extra="ignore")

    redis_url: str = Field(default="redis://127.0.0.1:6379/0")
    database_url: str = Field(
        default=f"sqlite:///{REPO_ROOT / 'var' / 'newsevents.db'}",
        validation_alias=AliasChoices("DATABASE_URL", "NEWSEVENTS_DATABASE_URL"),
        description="SQLAlchemy URL; SQLite file by default, PostgreSQL when set.",
    )
    model_path: Path = Field(
        default=DEFAULT_MODEL_DIR, description="Directory of a model written by newsevents train."
    )
    device: str = Field(default="auto", description="auto, cpu, cuda or cuda:N.")
    quantize: str = Field(
        default="off",
        description="off: float32 on CPU (default); int8: the encoder's linear layers in int8 "
        "(CPU only, 1.2x faster, 0.7 to 2 F1 less, see README); auto: int8 on CPU, off on GPU.",
    )
    data_dir: Path = Field(
        default=REPO_ROOT.parent / "shared" / "data",
        description="Where the GENEVA training data lives (never copied into the repo).",
    )

    max_text_chars: int = Field(default=200_000, gt=0)
    max_batch_articles: int = Field(default=100, gt=0)
    max_request_bytes: int = Field(
        default=32 * 1024 * 1024,
        gt=0,
        description="Largest POST body the intake reads; checked on Content-Length and while "
        "reading, before any parsing (413 beyond it).",
    )
    token_budget: int | None = Field(
        default=None,
        gt=0,
        description="Padded word pieces per model batch; default 1024 on CPU (compute-bound, "
        "padding costs) and 8192 on GPU (wide batches keep it busy).",
    )
    worker_batch_size: int = Field(default=16, gt=0, description="Articles a worker takes at once.")
    max_attempts: int = Field(
        default=5,
        gt=0,
        description="Times an article may be started without finishing (its worker lost to a "
        "crash, out-of-memory kill or time limit) before it is marked failed.",
    )
    worker_concurrency: int = Field(default=1, gt=0)
    task_time_limit_s: int = Field(default=600, gt=0)
    visibility_timeout_s: int = Field(default=3600, gt=0)
    recovery_interval_s: float = Field(
        default=300.0, gt=0, description="How often a worker re-queues stale articles."
    )
    recovery_stale_after_s: int | None = Field(
        default=None,
        gt=0,
        description="Queued/processing articles untouched this long are re-queued "
        "(default: visibility_timeout_s).",
    )

    results_stream: str = Field(default="newsevents:results")
    results_stream_maxlen: int = Field(default=100_000, gt=0)
    callback_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="Total deadline of one callback attempt in seconds (connect, TLS, send, "
        "answer); a receiver that answers slowly cannot stretch it.",
    )
    callback_max_retries: int = Field(default=5, ge=0)
    callback_allowed_networks: str = Field(
        default="",
        description="Comma-separated CIDRs of trusted internal callback receivers (e.g. "
        "10.1.2.0/24); other loopback, private, link-local and metadata addresses are refused.",
    )
    callback_concurrency: int = Field(
        default=8, gt=0, description="Threads of the callbacks worker (deliveries at once)."
    )

    @field_validator("callback_allowed_networks")
    @classmethod
    def _networks_parse(cls, value: str) -> str:
        parse_networks(value)  # a typo must stop the process at start, not open a hole
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return Settings()
