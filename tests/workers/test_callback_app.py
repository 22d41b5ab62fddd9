"""The callbacks worker's app: only the delivery task, its own queue, and no model in sight."""

from __future__ import annotations

import subprocess
import sys

from shared.queues import CALLBACK_POOL, CALLBACK_QUEUE, CALLBACK_TASK, EXTRACT_TASK
from shared.settings import REPO_ROOT, Settings
from workers.callback_app import create_callback_app


def test_the_app_consumes_the_callback_queue_with_threads() -> None:
    app = create_callback_app(Settings(callback_concurrency=12))
    assert app.conf.task_default_queue == CALLBACK_QUEUE
    assert app.conf.worker_pool == CALLBACK_POOL
    assert app.conf.worker_concurrency == 12
    assert app.conf.task_acks_late is True


def test_the_worker_process_never_imports_the_model_or_the_extraction_code() -> None:
    """What a started callbacks worker imports: the app and the modules it includes."""
    probe = (
        "import sys\n"
        "from workers.callback_app import app\n"
        "app.loader.import_default_modules()\n"
        "tasks = sorted(t for t in app.tasks if not t.startswith('celery.'))\n"
        "heavy = ('torch', 'transformers', 'safetensors', 'workers.tagger', 'workers.tasks',\n"
        "         'workers.runtime', 'workers.processing', 'workers.recovery', 'shared.store')\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(heavy))\n"
        "print(tasks, loaded)\n"
    )
    loaded = subprocess.check_output(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, text=True, timeout=120
    )
    assert loaded.strip() == f"{[CALLBACK_TASK]} []"
    assert EXTRACT_TASK not in loaded
