"""Reading a request body with a size cap, before anything parses it.

A body over the cap is refused as soon as its size is known: from ``Content-Length`` when
the client sends one, else while it streams in, so an oversized (or endless chunked) body
never reaches memory in full.
"""

from __future__ import annotations

from fastapi import Request

from services.intake.errors import IntakeError


def _too_large(limit: int) -> IntakeError:
    return IntakeError(413, f"request body is larger than {limit} bytes (max_request_bytes)")


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body of ``request``; IntakeError(413) once it is known to exceed ``limit``."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise IntakeError(400, "Content-Length must be a number of bytes")
        if int(declared) > limit:
            raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)
