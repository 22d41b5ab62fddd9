"""The device and precision a worker picks from the ``device`` setting and the GPUs present."""

from __future__ import annotations

import pytest
import torch

from workers.device import (
    DeviceChoice,
    DeviceUnavailableError,
    choose_device,
    threads_per_process,
)


@pytest.mark.parametrize(
    ("requested", "gpus", "expected"),
    [
        ("auto", 0, DeviceChoice("cpu", torch.float32)),
        ("auto", 1, DeviceChoice("cuda", torch.float16)),
        ("cpu", 2, DeviceChoice("cpu", torch.float32)),
        ("cuda", 1, DeviceChoice("cuda", torch.float16)),
        ("cuda:1", 2, DeviceChoice("cuda:1", torch.float16)),
        (" CUDA:0 ", 1, DeviceChoice("cuda:0", torch.float16)),
    ],
)
def test_choice_follows_setting_and_hardware(
    requested: str, gpus: int, expected: DeviceChoice
) -> None:
    assert choose_device(requested, cuda_devices=gpus) == expected


@pytest.mark.parametrize(("requested", "gpus"), [("cuda", 0), ("cuda:1", 1)])
def test_missing_gpu_is_an_error_naming_the_setting(requested: str, gpus: int) -> None:
    with pytest.raises(DeviceUnavailableError, match=r"NEWSEVENTS_DEVICE.*"):
        choose_device(requested, cuda_devices=gpus)


@pytest.mark.parametrize("requested", ["gpu", "cuda:x", "tpu", ""])
def test_unknown_device_names_are_rejected(requested: str) -> None:
    with pytest.raises(ValueError, match="NEWSEVENTS_DEVICE"):
        choose_device(requested, cuda_devices=0)


def test_this_machine_gets_what_torch_reports() -> None:
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert choose_device("auto").device == expected


@pytest.mark.parametrize(
    ("processes", "cores", "expected"), [(1, 16, 16), (4, 16, 4), (3, 16, 5), (8, 2, 1)]
)
def test_pool_processes_share_the_cores(processes: int, cores: int, expected: int) -> None:
    assert threads_per_process(processes, cores) == expected
