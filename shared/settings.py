"""Configuration from the environment, one place for every knob (pydantic-settings).

Every setting can be given as an environment variable; the names are listed in the
README's settings table. ``get_settings()`` is cached so that a process reads its
environment once; tests that change the environment call ``get_settings.cache_clear()``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.callback_policy import parse_networks

REPO_ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = REPO_ROOT / "workers" / "models"
DEFAULT_MODEL_DIR = MODELS_DIR / "default"
#: Models selected by name (``NEWSEVENTS_MODEL``, ``--model``): folders under MODELS_DIR.
MODEL_NAMES = ("default", "accurate")
#: How the accurate model is made, for the error that says it is not there yet.
ACCURATE_TRAINING = (
    "make install-accurate && newsevents train --encoder accurate --lora-rank 16 "
    "--output workers/models/accurate (on a GPU; README, 'Accurate model')"
)


def model_dir(value: str | Path) -> Path:
    """The model folder that ``value`` names: a name of MODEL_NAMES, else a path."""
    return MODELS_DIR / str(value) if str(value) in MODEL_NAMES else Path(value)


def missing_model_message(path: Path) -> str:
    """Why there is no model at ``path`` and how to get one."""
    if path.resolve() == (MODELS_DIR / "accurate").resolve():
        return f"the accurate model has not been trained yet (no {path}); train it with: " + (
            ACCURATE_TRAINING
        )
    return (
        f"no model at {path}: train one with `make train`, or point NEWSEVENTS_MODEL_PATH "
        "at a model directory (or set NEWSEVENTS_MODEL to one of "
        f"{', '.join(MODEL_NAMES)})"
    )


class Settings(BaseSettings):
    """All runtime settings of newsevents."""

    model_config = SettingsConfigDict(env_prefix="NEWSEVENTS_", extra="ignore")

    redis_url: str = Field(default="redis://127.0.0.1:6379/0")
    database_url: str = Field(
        default=f"sqlite:///{REPO_ROOT / 'var' / 'newsevents.db'}",
        validation_alias=AliasChoices("DATABASE_URL", "NEWSEVENTS_DATABASE_URL"),
        description="SQLAlchemy URL; SQLite file by default, PostgreSQL when set.",
    )
    model: str | None = Field(
        default=None,
        description="A model by name: default (the small CPU model) or accurate (MPNet base "
        "with LoRA, for GPU workers; README, 'Accurate model'). Sets the model path; give "
        "this or NEWSEVENTS_MODEL_PATH, not both.",
    )
    model_path: Path = Field(
        default=DEFAULT_MODEL_DIR, description="Directory of a model written by newsevents train."
    )
    encoder_cache: Path = Field(
        default=REPO_ROOT / "var" / "encoders",
        description="Where packaged base encoders (the accurate model's) are extracted once.",
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
    task_soft_time_limit_s: int | None = Field(
        default=None,
        gt=0,
        description="Seconds after which a batch is interrupted, split in halves and requeued "
        "(an article alone counts an attempt); must be below task_time_limit_s (default: 90 % "
        "of it).",
    )
    visibility_timeout_s: int = Field(default=3600, gt=0)
    lease_margin_s: int = Field(
        default=60,
        ge=0,
        description="An article's processing lease lasts task_time_limit_s plus this; when it "
        "runs out the article is requeued.",
    )
    recovery_interval_s: float = Field(
        default=5.0,
        gt=0,
        description="How often a worker sweeps the store for stuck articles: expired leases, "
        "unsent or lost queue messages, unannounced results.",
    )
    recovery_lost_after_s: float = Field(
        default=30.0,
        gt=0,
        description="A queued article sent this long ago whose message is neither in the queue "
        "nor reserved by a worker is sent again.",
    )
    announce_retry_after_s: float = Field(
        default=30.0,
        gt=0,
        description="A done article whose announcement (stream entry, callback) was claimed "
        "this long ago without being confirmed is announced again, marked redelivered.",
    )
    db_retry_budget_s: float = Field(
        default=300.0,
        gt=0,
        description="Total backoff a task spends retrying database and Redis outages before "
        "it gives up (the recovery sweep takes over then).",
    )
    db_statement_timeout_s: float = Field(
        default=30.0, gt=0, description="PostgreSQL statement_timeout of every store connection."
    )
    db_lock_timeout_s: float = Field(
        default=10.0, gt=0, description="PostgreSQL lock_timeout of every store connection."
    )
    sqlite_busy_timeout_s: float = Field(
        default=30.0, gt=0, description="How long a SQLite writer waits for another's lock."
    )
    extractor: str | None = Field(
        default=None,
        description="module:factory of an extractor used instead of the model (tests); the "
        "factory gets the settings.",
    )

    auth_required: bool = Field(
        default=True,
        description="Every /v1 request needs an API key (Authorization: Bearer). false: no "
        "keys, every request belongs to tenant 'default' (a laptop only; the intake warns).",
    )
    api_key_cache_s: float = Field(
        default=5.0,
        ge=0,
        description="Seconds the intake remembers a checked key; a revoked key stops working "
        "within this time (0: look every request up).",
    )
    quota_requests_per_minute: int = Field(
        default=600,
        ge=0,
        description="Default requests per minute per API key (0: unlimited; a key may "
        "override it); 429 with Retry-After beyond it.",
    )
    quota_chars_per_day: int = Field(
        default=100_000_000,
        ge=0,
        description="Default article characters per UTC day per API key (0: unlimited; a key "
        "may override it); 429 with Retry-After beyond it.",
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

    metrics_token: str | None = Field(
        default=None,
        description="When set, the intake's /metrics answers only requests with "
        "Authorization: Bearer <this token>; unset: /metrics is open like /healthz (it holds "
        "counts only, no tenant, article id or text).",
    )
    worker_metrics_port: int = Field(
        default=0,
        ge=0,
        le=65535,
        description="Port of the extraction worker's Prometheus endpoint (/metrics, all pool "
        "processes together); 0: none.",
    )
    callback_metrics_port: int = Field(
        default=0,
        ge=0,
        le=65535,
        description="Port of the callbacks worker's Prometheus endpoint; 0: none.",
    )

    log_format: Literal["json", "text"] = Field(
        default="json",
        description="json: one JSON object per log line (default); text: plain lines. "
        "Both escape control characters, so logged input cannot forge lines.",
    )
    log_level: str = Field(
        default="INFO",
        description="Level of the intake's log (a worker takes celery's --loglevel).",
    )

    @model_validator(mode="after")
    def _soft_limit_below_hard(self) -> Self:
        if self.task_soft_time_limit_s is not None and (
            self.task_soft_time_limit_s >= self.task_time_limit_s
        ):
            raise ValueError(
                f"task_soft_time_limit_s ({self.task_soft_time_limit_s}) must be below "
                f"task_time_limit_s ({self.task_time_limit_s}): the soft limit splits a batch, "
                "the hard one kills it"
            )
        return self

    def soft_time_limit_s(self) -> int:
        """Seconds before a batch is interrupted and split (the hard limit comes later)."""
        if self.task_soft_time_limit_s is not None:
            return self.task_soft_time_limit_s
        return max(1, min(self.task_time_limit_s - 1, int(self.task_time_limit_s * 0.9)))

    def lease_s(self) -> float:
        """How long a worker's claim on the articles it processes lasts."""
        return float(self.task_time_limit_s + self.lease_margin_s)

    @model_validator(mode="after")
    def _model_by_name(self) -> Settings:
        """``model`` names a folder under workers/models and so sets ``model_path``."""
        if self.model is None:
            return self
        if self.model not in MODEL_NAMES:
            raise ValueError(
                f"NEWSEVENTS_MODEL must be one of {', '.join(MODEL_NAMES)}, not {self.model!r} "
                "(NEWSEVENTS_MODEL_PATH takes any model directory)"
            )
        named = model_dir(self.model)
        if "model_path" in self.model_fields_set and self.model_path != named:
            raise ValueError(
                f"NEWSEVENTS_MODEL={self.model} and NEWSEVENTS_MODEL_PATH={self.model_path} "
                "disagree: set one of them"
            )
        self.model_path = named
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return Settings()
