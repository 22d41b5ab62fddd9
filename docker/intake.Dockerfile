# The intake: FastAPI under uvicorn. It never imports the model, so this image installs the
# project's dependencies without torch/transformers (see docker/intake_requirements.py).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY docker/intake_requirements.py docker/
RUN python docker/intake_requirements.py pyproject.toml > /tmp/intake-requirements.txt \
    && pip install -r /tmp/intake-requirements.txt

# Only the code the intake runs; --no-deps keeps the model-side packages out.
COPY shared shared
COPY services services
RUN pip install --no-deps -e . \
    && useradd --create-home --uid 10001 newsevents
USER newsevents

EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["uvicorn", "services.intake.app:app", "--host", "0.0.0.0", "--port", "8000"]
