"""Where a usage file goes: the destination checked before any request, and the atomic staging that
moves a finished file into place (a failed pull leaves no partial file and an earlier good file untouched).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from airflow.sdk import ObjectStoragePath

from airflow_provider_realtimekit.exceptions import RealtimeKitConfigError
from airflow_provider_realtimekit.operators.usage.writers import ChunkedTextWriter

log = logging.getLogger(__name__)


def destination(output_path: str | ObjectStoragePath) -> ObjectStoragePath:
    """
    ``output_path`` as an ``ObjectStoragePath``, refused when relative, empty or naming a directory.

    :param output_path: a local absolute path or an ``ObjectStoragePath`` (or its URL).
    """
    if isinstance(output_path, str):
        if not output_path.strip():
            raise RealtimeKitConfigError("output_path is empty.")
        # Checked on the string: before Airflow 3.2, ObjectStoragePath("day.jsonl") silently becomes
        # "/day.jsonl", so the parsed path can no longer tell a relative path from an absolute one.
        if "://" not in output_path and not output_path.startswith("/"):
            raise _relative_path_error(output_path)
        try:
            path = ObjectStoragePath(output_path)
        except ValueError as error:
            raise RealtimeKitConfigError(f"Cannot write the usage file {output_path}: {error}.") from error
    elif isinstance(output_path, ObjectStoragePath):
        path = output_path
    else:
        raise RealtimeKitConfigError(
            f"output_path must be a str or an ObjectStoragePath, got {type(output_path).__name__}."
        )
    if path.protocol in ("", "file") and not path.path.startswith("/"):
        raise _relative_path_error(output_path)
    if not path.name or str(path).endswith("/"):
        raise RealtimeKitConfigError(f"output_path {output_path!s} names a directory; give a file name.")
    return path


def _relative_path_error(output_path: str | ObjectStoragePath) -> RealtimeKitConfigError:
    return RealtimeKitConfigError(
        f"output_path {output_path!s} is relative; use an absolute path or a URL (a worker's working "
        "directory is not predictable)."
    )


@contextmanager
def staged_file(final: ObjectStoragePath) -> Iterator[ChunkedTextWriter]:
    """
    A text stream to a hidden temporary sibling of ``final``, moved onto ``final`` when the block succeeds
    and removed when it fails.

    :param final: the file the block's output ends up in.
    """
    temporary = final.parent / f".{final.name}.{uuid.uuid4().hex[:12]}.tmp"
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        stream = ChunkedTextWriter(temporary.open("wb"))
    except Exception as error:
        _remove_quietly(temporary)
        raise RealtimeKitConfigError(
            f"Cannot write the usage file {final}: {type(error).__name__}: {error}. Nothing was requested "
            "from the API; check output_path and its permissions."
        ) from error
    try:
        yield stream
        stream.close()
        temporary.rename(final)
    except BaseException:
        _close_quietly(stream)
        _remove_quietly(temporary)
        raise


def _close_quietly(stream: ChunkedTextWriter) -> None:
    try:
        stream.discard()
    except Exception:
        log.debug("Closing the temporary usage file failed", exc_info=True)


def _remove_quietly(path: ObjectStoragePath) -> None:
    try:
        if path.exists():
            path.unlink()
    except Exception:
        log.warning("Could not remove the temporary usage file %s", path, exc_info=True)
