# A GPU worker: the same Celery worker with a CUDA build of torch.
#
# PyPI's Linux torch wheel is the CUDA build and brings the CUDA runtime libraries with it
# (the nvidia-* wheels), so a slim Python base is enough: the host needs only the NVIDIA
# driver and the NVIDIA Container Toolkit, and compose reserves the GPU (profile "gpu").
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility \
    NEWSEVENTS_DEVICE=cuda

WORKDIR /app
RUN pip install torch==2.13.0
COPY pyproject.toml README.md ./
COPY shared shared
COPY services services
COPY workers workers
RUN pip install -e . \
    && useradd --create-home --uid 10001 newsevents
USER newsevents

HEALTHCHECK --interval=30s --timeout=20s --start-period=120s --retries=3 \
    CMD celery -A workers.celery_app inspect ping -d "celery@$HOSTNAME" --timeout 10 || exit 1
CMD ["celery", "-A", "workers.celery_app", "worker", "-Q", "newsevents", "--loglevel", "INFO"]
