"""The usage file formats: JSON Lines and CSV row writers over a chunked UTF-8 text stream."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Mapping
from typing import IO, Any, Literal, get_args

from airflow_provider_realtimekit.operators.usage.rows import USAGE_COLUMNS

UsageFormat = Literal["jsonl", "csv"]
USAGE_FORMATS: tuple[str, ...] = get_args(UsageFormat)


def row_writer(stream: ChunkedTextWriter, format: UsageFormat) -> Callable[[Mapping[str, Any]], Any]:
    """
    A function that writes one row to ``stream`` in ``format`` (the CSV header is written at once).

    :param stream: the text stream.
    :param format: ``"jsonl"`` or ``"csv"``.
    """
    if format == "csv":
        csv_writer = csv.DictWriter(stream, fieldnames=USAGE_COLUMNS, lineterminator="\n")
        csv_writer.writeheader()
        return csv_writer.writerow

    def write_json_line(row: Mapping[str, Any]) -> None:
        stream.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")

    return write_json_line


class ChunkedTextWriter:
    """
    A write-only UTF-8 text stream that hands the binary file large chunks.

    ``ObjectStoragePath`` files are wrapped for lineage tracking, which makes each call to them cost tens
    of microseconds; a ``TextIOWrapper`` consults the file on every ``write``, so rows are gathered here.

    :param binary: the binary file to write to (closed by :meth:`close`).
    :param chunk_chars: characters gathered before a write to the file.
    """

    def __init__(self, binary: IO[bytes], chunk_chars: int = 1 << 18) -> None:
        self._binary = binary
        self._chunk_chars = chunk_chars
        self._pending: list[str] = []
        self._pending_chars = 0

    def write(self, text: str) -> int:
        self._pending.append(text)
        self._pending_chars += len(text)
        if self._pending_chars >= self._chunk_chars:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._binary.write("".join(self._pending).encode("utf-8"))
            self._pending.clear()
            self._pending_chars = 0

    def close(self) -> None:
        if self._binary.closed:
            return
        try:
            self.flush()
        finally:
            self._binary.close()

    def discard(self) -> None:
        """Drop what is pending and close the file without writing it."""
        self._pending.clear()
        self._binary.close()
