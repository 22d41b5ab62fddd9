"""Which torch device and precision a worker process runs the tagger on.

A GPU worker runs in float16: inference needs no float32 accuracy and half precision
doubles the articles per batch that fit in GPU memory. A CPU worker stays in float32,
because CPU half-precision kernels are slow or missing. ``NEWSEVENTS_DEVICE`` can force a
device (``cpu``, ``cuda``, ``cuda:1``); asking for a GPU that is not there is an error at
start-up rather than a silent fall back to a CPU that would be a hundred times slower.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import torch

#: Accepted values of the ``device`` setting.
DEVICE_PATTERN = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")


class DeviceUnavailableError(RuntimeError):
    """The configured device does not exist on this machine."""


@dataclass(frozen=True)
class DeviceChoice:
    """The device a worker uses and the floating-point type its weights are cast to."""

    device: str
    dtype: torch.dtype


def choose_device(requested: str, cuda_devices: int | None = None) -> DeviceChoice:
    """Resolve the ``device`` setting into a concrete device and precision.

    ``cuda_devices`` is how many GPUs are visible; None asks torch. Passing it lets the
    decision be checked for machines with and without GPUs.
    """
    value = requested.strip().lower()
    if not DEVICE_PATTERN.match(value):
        raise ValueError(
            f"device setting (NEWSEVENTS_DEVICE) must be auto, cpu, cuda or cuda:N, "
            f"not {requested!r}"
        )
    if cuda_devices is None:
        cuda_devices = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if value == "cpu" or (value == "auto" and cuda_devices == 0):
        return DeviceChoice("cpu", torch.float32)
    if value == "auto":
        return DeviceChoice("cuda", torch.float16)
    index = int(value.partition(":")[2] or 0)
    if index >= cuda_devices:
        raise DeviceUnavailableError(
            f"device setting (NEWSEVENTS_DEVICE) asks for {value}, but this machine has "
            f"{cuda_devices} CUDA device(s)"
        )
    return DeviceChoice(value, torch.float16)


def threads_per_process(processes: int, cores: int | None = None) -> int:
    """CPU threads for torch in each of ``processes`` pool processes on one host: the cores
    shared out, at least one each. Left at torch's default (every core), N pool processes
    run N x cores threads and slow each other down (measured on 2 cores: two processes
    tagged at 0.27x one process's rate, each using both cores)."""
    available = cores if cores is not None else (os.cpu_count() or 1)
    return max(1, available // max(1, processes))
