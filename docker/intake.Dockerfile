# The intake: FastAPI under uvicorn. It never imports the model, so this image installs the
# project's dependencies without torch/transformers (docker/requirements.py --without-model).
#
# Build arguments (defaults: the public image, as anywhere with registry access):
#   PYTHON_IMAGE  a Debian-based Python 3.11 image with the venv module
#                 (`make images-local` builds a stand-in from Debian packages)
ARG PYTHON_IMAGE=python:3.11-slim

# --- builder: a virtualenv with the dependencies, then the project installed editable ---
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH
RUN python3 -m venv /opt/venv
WORKDIR /app
# Only what the dependency list needs: editing README.md must not reinstall them.
COPY pyproject.toml ./
COPY docker/requirements.py docker/
RUN python docker/requirements.py --without-model pyproject.toml > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt
# Only the code the intake runs; --no-deps keeps the model-side packages out. The editable
# install points at /app, where the final stage puts the same code.
COPY shared shared
COPY services services
# pyproject.toml names README.md as the readme: the editable install reads it.
COPY README.md ./
RUN pip install --no-deps -e . \
    && pip uninstall -y -q pip

# --- final: the base image, the virtualenv and the code; no pip, no build tools ---
FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH
RUN useradd --create-home --uid 10001 newsevents
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY shared shared
COPY services services
USER newsevents

EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["uvicorn", "services.intake.app:app", "--host", "0.0.0.0", "--port", "8000"]
