"""Open an uploaded archive, extracted folder or single CSV without trusting it.

Nothing is ever written to disk; members are streamed in 64 KiB chunks under byte and ratio caps.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from importers.base import ImportRejected

MAX_ENTRIES = 2000
MAX_MEMBER_BYTES = 100 << 20
MAX_TOTAL_BYTES = 200 << 20
MAX_RATIO = 100
RATIO_FLOOR = 1 << 20
CHUNK = 64 << 10
MAX_FOLDER_FILES = 20_000

_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_LOCAL = b"PK\x03\x04"
_ARCHIVE_EXT = (".zip", ".jar", ".7z", ".rar", ".gz", ".tgz", ".bz2", ".xz", ".tar")
_DRIVE = re.compile(r"^[a-zA-Z]:")


class _Budget:
    """Decompressed bytes across one upload; a member read twice (two passes) counts once."""

    def __init__(self) -> None:
        self.total = 0
        self._seen: dict[str, int] = {}

    def add(self, name: str, count: int) -> None:
        grown = count - self._seen.get(name, 0)
        if grown > 0:
            self._seen[name] = count
            self.total += grown


class _BoundedReader(io.RawIOBase):
    """A raw stream that counts real bytes and stops at the member, total and ratio caps."""

    def __init__(self, stream: BinaryIO, name: str, budget: _Budget, compressed: int | None):
        self._stream = stream
        self._name = name
        self._budget = budget
        self._compressed = compressed
        self._count = 0
        self.reject_nul = False  # text streams: a NUL byte means this is not a text CSV
        self._lines = 0
        self._nul_row: int | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        want = min(len(buffer), CHUNK)
        try:
            data = self._stream.read(want)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise ImportRejected(f"the archive is damaged ({exc})", file=self._name) from None
        n = len(data)
        buffer[:n] = data
        self._count += n
        self._budget.add(self._name, self._count)
        if self._count > MAX_MEMBER_BYTES:
            raise ImportRejected("file is larger than 100 MiB once unpacked", file=self._name)
        if self._budget.total > MAX_TOTAL_BYTES:
            raise ImportRejected("the upload is larger than 200 MiB once unpacked")
        if (
            self._compressed is not None
            and self._count > RATIO_FLOOR
            and self._count > MAX_RATIO * max(self._compressed, 1)
        ):
            raise ImportRejected("file compresses suspiciously well (zip bomb?)", file=self._name)
        if self.reject_nul:
            self._check_nul(data)
        return n

    def _check_nul(self, data: bytes) -> None:
        """Reject a NUL byte once its line is complete, as a line-by-line check would: a bomb of
        zeros still hits the caps first and a UTF-16 file still gets the encoding error. Per
        chunk, so plain text costs next to nothing."""
        after = 0
        if self._nul_row is None:
            at = data.find(b"\x00")
            if at >= 0:
                self._nul_row = self._lines + data.count(b"\n", 0, at) + 1
                after = at
        end = data.find(b"\n", after) if data else 0
        if self._nul_row is not None and end >= 0:
            if not _valid_utf8(data[:end]):
                self.reject_nul = False  # the text layer's UTF-8 error comes first
                return
            raise ImportRejected(
                "the file contains NUL bytes (not a text CSV?)", file=self._name, row=self._nul_row
            )
        self._lines += data.count(b"\n")

    def close(self) -> None:
        try:
            self._stream.close()
        finally:
            super().close()


def _valid_utf8(data: bytes) -> bool:
    """Whether a chunk decodes as UTF-8, not counting a character cut off at its start."""
    start = 0
    while start < min(3, len(data)) and 0x80 <= data[start] < 0xC0:
        start += 1
    try:
        data[start:].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def text_stream(raw: io.RawIOBase) -> io.TextIOWrapper:
    """Strict UTF-8 (BOM optional) text over a raw byte stream, universal newlines left to csv.

    Reading it raises UnicodeDecodeError on bad UTF-8, and ImportRejected on a NUL byte.
    """
    if isinstance(raw, _BoundedReader):
        raw.reject_nul = True
    return io.TextIOWrapper(io.BufferedReader(raw, CHUNK), encoding="utf-8-sig", errors="strict", newline="")


def _check_eocd(fh: BinaryIO, size: int) -> None:
    """Reject zip64 and oversized entry counts from the EOCD record, before zipfile parses it."""
    tail_len = min(size, 22 + 0xFFFF)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    pos = tail.rfind(_EOCD)
    if pos < 0 or len(tail) - pos < 22:
        raise ImportRejected(
            "this is not a ZIP archive, or it is truncated (renamed, or a download that stopped early?)"
        )
    (_, disk, cd_disk, disk_entries, entries, cd_size, cd_offset, _) = struct.unpack(
        "<4sHHHHIIH", tail[pos : pos + 22]
    )
    if (
        0xFFFF in (disk, cd_disk, disk_entries, entries)
        or 0xFFFFFFFF in (cd_size, cd_offset)
        or (pos >= 20 and tail[pos - 20 : pos - 16] == _EOCD64_LOCATOR)
    ):
        raise ImportRejected("ZIP64 archives are not supported")
    if disk or cd_disk or disk_entries != entries:
        raise ImportRejected("multi-part ZIP archives are not supported")
    if entries > MAX_ENTRIES:
        raise ImportRejected(f"the archive has more than {MAX_ENTRIES} entries")
    # The count can be forged; zipfile trusts the directory size, so walk it (bounded) too.
    eocd_at = size - tail_len + pos
    at, end = eocd_at - cd_size, eocd_at
    if at < 0:
        raise ImportRejected("the archive's central directory is damaged")
    for _ in range(MAX_ENTRIES + 1):
        if at >= end:
            return
        fh.seek(at)
        header = fh.read(46)
        if len(header) < 46 or header[:4] != b"PK\x01\x02":
            raise ImportRejected("the archive's central directory is damaged")
        name_len, extra_len, comment_len = struct.unpack("<HHH", header[28:34])
        at += 46 + name_len + extra_len + comment_len
    raise ImportRejected(f"the archive has more than {MAX_ENTRIES} entries")


def _unsafe_name(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or bool(_DRIVE.match(name)) or ".." in parts


class Source:
    """Named CSV-ish members of an upload; `names` are relative paths with `/` separators."""

    names: list[str]
    label: str
    archives: tuple[str, ...] = ()  # archives inside it, never opened (a ZIP zipped again)

    def open_binary(self, name: str) -> io.RawIOBase:
        """Raw byte stream of one member, bounded by the byte caps."""
        raise NotImplementedError

    def open_text(self, name: str) -> io.TextIOWrapper:
        """Strict UTF-8 text stream of one member, bounded by the byte caps."""
        return text_stream(self.open_binary(name))

    def close(self) -> None:
        """Release the underlying file."""

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ZipSource(Source):
    """A ZIP archive checked for bombs, overlaps, odd methods and odd names before any read."""

    def __init__(self, fh: BinaryIO, label: str):
        self.label = label
        self._fh = fh
        self._budget = _Budget()
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        if size == 0:
            raise ImportRejected("the file is empty", file=label)
        try:
            _check_eocd(fh, size)
        except ImportRejected as exc:  # said of this upload, by its name
            raise ImportRejected(exc.message, file=exc.file or label) from None
        try:
            self._zf = zipfile.ZipFile(fh)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
            raise ImportRejected(f"this is not a readable ZIP archive ({exc})", file=label) from None
        try:
            self._members = self._validate(size)
        except BaseException:
            self._zf.close()
            raise
        self.names = sorted(self._members)

    def _validate(self, size: int) -> dict[str, zipfile.ZipInfo]:
        infos = self._zf.infolist()
        if len(infos) > MAX_ENTRIES:
            raise ImportRejected(f"the archive has more than {MAX_ENTRIES} entries")
        seen: set[str] = set()
        spans: list[tuple[int, int, int, str]] = []
        members: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            name = info.filename
            if name in seen:
                raise ImportRejected(f"the archive holds {name!r} twice")
            seen.add(name)
            if _unsafe_name(name):
                raise ImportRejected(f"the archive holds an unsafe path {name!r}")
            if info.flag_bits & 0x1:
                raise ImportRejected("encrypted archives are not supported", file=name)
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise ImportRejected("only stored or deflated ZIP members are supported", file=name)
            start = self._data_start(info, size)
            spans.append((info.header_offset, start, info.compress_size, name))
            is_link = (info.external_attr >> 16) & 0o170000 == 0o120000
            if name.lower().endswith(_ARCHIVE_EXT) and not info.is_dir():
                self.archives += (name,)
            if info.is_dir() or is_link or name.lower().endswith(_ARCHIVE_EXT):
                continue
            members[name.replace("\\", "/")] = info
        # Own overlap check: Python 3.11 zipfile lacks the one from gh-109858.
        spans.sort()
        limit = self._zf.start_dir
        for i, (_, start, length, name) in enumerate(spans):
            end = start + length
            next_start = spans[i + 1][0] if i + 1 < len(spans) else limit
            if end > next_start or end > limit:
                raise ImportRejected("the archive has overlapping or forged entries", file=name)
        return members

    def _data_start(self, info: zipfile.ZipInfo, size: int) -> int:
        offset = info.header_offset
        if offset < 0 or offset + 30 > size:
            raise ImportRejected("the archive has a forged entry offset", file=info.filename)
        self._fh.seek(offset)
        header = self._fh.read(30)
        if len(header) < 30 or header[:4] != _LOCAL:
            raise ImportRejected("the archive has a damaged entry header", file=info.filename)
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        return offset + 30 + name_len + extra_len

    def open_binary(self, name: str) -> io.RawIOBase:
        info = self._members[name]
        # What the archive declares is refused before a byte is inflated (reading 100 MiB of a
        # declared 1.5 GB bomb took over a minute); a size that lies is caught while reading.
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ImportRejected("file compresses suspiciously well (zip bomb?)", file=name)
        if info.file_size > MAX_MEMBER_BYTES:
            raise ImportRejected("file is larger than 100 MiB once unpacked", file=name)
        try:
            stream = self._zf.open(info)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
            raise ImportRejected(f"the archive is damaged ({exc})", file=name) from None
        return _BoundedReader(stream, name, self._budget, info.compress_size)

    def close(self) -> None:
        self._zf.close()
        self._fh.close()


class FolderSource(Source):
    """An extracted export on disk; symlinks are not followed."""

    def __init__(self, root: Path):
        self.label = root.name
        self._root = root
        self._budget = _Budget()
        names: list[str] = []
        for dirpath, _dirs, filenames in os.walk(root, followlinks=False):
            for filename in filenames:
                path = Path(dirpath, filename)
                if path.is_symlink() or not path.is_file():
                    continue
                names.append(path.relative_to(root).as_posix())
                if len(names) > MAX_FOLDER_FILES:
                    raise ImportRejected(f"the folder holds more than {MAX_FOLDER_FILES} files")
        self.names = sorted(names)

    def open_binary(self, name: str) -> io.RawIOBase:
        raw = open(self._root / name, "rb")  # noqa: SIM115 - closed with the wrapper
        return _BoundedReader(raw, name, self._budget, None)


class SingleFileSource(Source):
    """One uploaded CSV, as bytes or a path."""

    def __init__(self, fh: BinaryIO, name: str):
        self.label = name
        self.names = [name]
        self._fh = fh
        self._budget = _Budget()

    def open_binary(self, name: str) -> io.RawIOBase:
        self._fh.seek(0)
        return _BoundedReader(_Unclosable(self._fh), name, self._budget, None)

    def close(self) -> None:
        self._fh.close()


class _Unclosable(io.RawIOBase):
    """Lets one file be opened as text several times (two passes over messages)."""

    def __init__(self, fh: BinaryIO):
        self._fh = fh

    def read(self, n: int = -1) -> bytes:  # type: ignore[override]
        return self._fh.read(n)

    def close(self) -> None:
        pass


def open_source(data: bytes | str | os.PathLike, filename: str = "") -> Source:
    """Open bytes or a path (ZIP, folder or single CSV) as a Source; ImportRejected if unusable."""
    if isinstance(data, bytes | bytearray | memoryview):
        fh: BinaryIO = io.BytesIO(bytes(data))
        label = filename or "upload"
    else:
        path = Path(data)
        if path.is_dir():
            return FolderSource(path)
        try:
            fh = open(path, "rb")  # noqa: SIM115 - owned by the Source
        except OSError as exc:
            raise ImportRejected(f"cannot open the file ({exc.strerror})") from None
        label = filename or path.name
    head = fh.read(4)
    fh.seek(0)
    if head.startswith(b"PK") or label.lower().endswith(".zip"):
        try:
            return ZipSource(fh, label)
        except BaseException:
            fh.close()
            raise
    if not head:
        fh.close()
        raise ImportRejected("the file is empty")
    if label.lower().endswith((".csv", ".txt")):
        return SingleFileSource(fh, Path(label).name)
    fh.close()
    raise ImportRejected("expected a .zip export, an extracted folder or a .csv file")


def bad_utf8_line(reopen: Callable[[], io.RawIOBase]) -> int | None:
    """Line number of the first invalid UTF-8 byte (error path only: re-reads the member)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    lines = 1
    with reopen() as raw:
        while chunk := raw.read(CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return lines + chunk.count(b"\n", 0, max(exc.start, 0))
            lines += chunk.count(b"\n")
    return None
