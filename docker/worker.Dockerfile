# A CPU worker: Celery consuming the `newsevents` queue, running the tagger with CPU torch.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    NEWSEVENTS_DEVICE=cpu

WORKDIR /app
# torch first, from PyTorch's CPU index: PyPI's Linux wheel is a multi-GB CUDA build.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md ./
COPY shared shared
COPY services services
# workers/ includes workers/models/default, the model the worker loads by default.
COPY workers workers
RUN pip install -e . \
    && useradd --create-home --uid 10001 newsevents
USER newsevents

HEALTHCHECK --interval=30s --timeout=20s --start-period=60s --retries=3 \
    CMD celery -A workers.celery_app inspect ping -d "celery@$HOSTNAME" --timeout 10 || exit 1
CMD ["celery", "-A", "workers.celery_app", "worker", "-Q", "newsevents", "--loglevel", "INFO"]
