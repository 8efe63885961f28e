"""The zip zoo: every hostile archive is built here, rejected fast, and nothing touches disk."""

from __future__ import annotations

import io
import os
import struct
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

from importers import safezip
from importers.base import ImportRejected
from importers.linkedin import open_export
from importers.safezip import open_source

CONNECTIONS = b"First Name,Last Name,URL,Email Address,Company,Position,Connected On\n" + (
    b"Ada,Lovelace,https://www.linkedin.com/in/ada,,Engines,Analyst,01 May 2024\n"
)


def make_zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data, compression)
    return buf.getvalue()


def central_entries(data: bytes) -> list[int]:
    """Offsets of the central-directory records, in order."""
    out, at = [], data.find(b"PK\x01\x02")
    while at >= 0:
        out.append(at)
        at = data.find(b"PK\x01\x02", at + 4)
    return out


def read_all(data: bytes, filename: str = "export.zip") -> None:
    with open_source(data, filename) as source:
        for name in source.names:
            with source.open_binary(name) as raw:
                while raw.read(65536):
                    pass


@pytest.fixture
def quiet_disk(tmp_path, monkeypatch):
    """Run in an empty cwd and check neither it nor the temp dir gain files."""
    monkeypatch.chdir(tmp_path)
    before = set(os.listdir(tempfile.gettempdir()))
    yield
    assert list(tmp_path.iterdir()) == []
    assert set(os.listdir(tempfile.gettempdir())) <= before


def rejected_fast(data: bytes, filename: str = "export.zip", match: str | None = None) -> str:
    start = time.perf_counter()
    with pytest.raises(ImportRejected, match=match) as info:
        read_all(data, filename)
    assert time.perf_counter() - start < 2.0
    return str(info.value)


@pytest.fixture(scope="module")
def ratio_bomb() -> bytes:
    buf = io.BytesIO()
    chunk = bytes(1 << 20)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("messages.csv", "w", force_zip64=False) as member:
            for _ in range(256):
                member.write(chunk)
    return buf.getvalue()


def test_ratio_bomb(ratio_bomb, quiet_disk):
    assert len(ratio_bomb) < 2 << 20
    assert "zip bomb" in rejected_fast(ratio_bomb)


def test_a_declared_size_or_ratio_is_refused_before_anything_is_inflated(ratio_bomb, monkeypatch):
    """A 1.5 MB bomb declaring 1.5 GB was read for 72 s before its 100 MiB were counted."""
    with open_source(ratio_bomb, "x.zip") as source, pytest.raises(ImportRejected, match="zip bomb"):
        source.open_binary("messages.csv")
    monkeypatch.setattr(safezip, "MAX_RATIO", 1 << 30)
    with open_source(ratio_bomb, "x.zip") as source, pytest.raises(ImportRejected, match="100 MiB"):
        source.open_binary("messages.csv")


def test_member_and_total_caps(monkeypatch, quiet_disk):
    data = make_zip({"a.csv": os.urandom(300_000), "b.csv": os.urandom(300_000)})
    monkeypatch.setattr(safezip, "MAX_MEMBER_BYTES", 200_000)
    rejected_fast(data, match="larger than")
    monkeypatch.setattr(safezip, "MAX_MEMBER_BYTES", 1 << 30)
    monkeypatch.setattr(safezip, "MAX_TOTAL_BYTES", 500_000)
    with open_source(data, "x.zip") as source:
        for _ in range(2):  # the same member read twice (two passes) counts once
            with source.open_binary("a.csv") as raw:
                while raw.read(65536):
                    pass
        with pytest.raises(ImportRejected, match="200 MiB"), source.open_binary("b.csv") as raw:
            while raw.read(65536):
                pass


def test_overlapping_entries(quiet_disk):
    data = bytearray(make_zip({"Connections.csv": CONNECTIONS, "messages.csv": CONNECTIONS}))
    second = central_entries(bytes(data))[1]
    struct.pack_into("<I", data, second + 42, 0)  # both entries share one local header
    rejected_fast(bytes(data), match="overlapping")


def test_quoted_overlap_size(quiet_disk):
    data = bytearray(make_zip({"Connections.csv": CONNECTIONS, "messages.csv": CONNECTIONS}))
    first = central_entries(bytes(data))[0]
    (size,) = struct.unpack_from("<I", data, first + 20)
    struct.pack_into("<I", data, first + 20, size + 40)  # data runs into the next header
    rejected_fast(bytes(data), match="overlapping")


def test_forged_size_duplicate_names(quiet_disk):
    data = bytearray(make_zip({"a.csv": b"x", "b.csv": b"y"}))
    for at in central_entries(bytes(data)):
        struct.pack_into("<I", data, at + 20, 0xFFFFFFFE)
        struct.pack_into("<I", data, at + 42, 0)
        data[at + 46 : at + 51] = b"a.csv"
    rejected_fast(bytes(data))


def test_forged_size_single(quiet_disk):
    data = bytearray(make_zip({"Connections.csv": CONNECTIONS}))
    at = central_entries(bytes(data))[0]
    struct.pack_into("<I", data, at + 20, 0xFFFFFFFE)
    rejected_fast(bytes(data), match="forged")


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_other_compression_methods(method, quiet_disk):
    rejected_fast(make_zip({"Connections.csv": CONNECTIONS}, method), match="deflated")


def _many_empty_entries(count: int, forge_count: int | None = None) -> bytes:
    local, central = io.BytesIO(), io.BytesIO()
    for i in range(count):
        name = f"{i}.csv".encode()
        offset = local.tell()
        local.write(struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 0, 0, 0, 0, 0, 0,
                                len(name), 0) + name)  # fmt: skip
        central.write(struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, 0, 0, 0,
                                  len(name), 0, 0, 0, 0, 0, offset) + name)  # fmt: skip
    n = count if forge_count is None else forge_count
    eocd = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, n & 0xFFFF, n & 0xFFFF,
                       central.tell(), local.tell(), 0)  # fmt: skip
    return local.getvalue() + central.getvalue() + eocd


def test_hundred_thousand_empty_entries(quiet_disk):
    data = _many_empty_entries(100_000)
    assert "entries" in rejected_fast(data)  # 100,000 & 0xFFFF = 34,464 > 2,000


def test_forged_small_entry_count(quiet_disk):
    assert "entries" in rejected_fast(_many_empty_entries(5000, forge_count=3))


def test_small_hand_built_zip_is_fine():
    with open_source(_many_empty_entries(3), "x.zip") as source:
        assert source.names == ["0.csv", "1.csv", "2.csv"]


@pytest.mark.parametrize("name", ["../../x.csv", "/etc/passwd", "C:\\x.csv", "a\\..\\..\\x"])
def test_unsafe_names(name, quiet_disk):
    rejected_fast(make_zip({"Connections.csv": CONNECTIONS, name: CONNECTIONS}), match="unsafe")


def test_nested_archive_and_symlink_ignored(quiet_disk):
    inner = make_zip({"Connections.csv": CONNECTIONS})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("inner.zip", inner)
        link = zipfile.ZipInfo("Connections.csv")
        link.external_attr = (0o120777 << 16) | 0x20
        zf.writestr(link, "/etc/passwd")
        zf.writestr("Profile.csv", "First Name,Last Name,Headline\nMo,Re,Seller\n")
    with open_source(buf.getvalue(), "x.zip") as source:
        assert source.names == ["Profile.csv"] and source.archives == ("inner.zip",)
    # neither the inner archive nor the link is read: no export files, and the archive is named
    with pytest.raises(ImportRejected, match=r"holds another archive \(inner.zip\) and no export files"):
        open_export(buf.getvalue(), "x.zip")


def test_encrypted_flag(quiet_disk):
    data = bytearray(make_zip({"Connections.csv": CONNECTIONS}))
    struct.pack_into("<H", data, 6, 1)
    struct.pack_into("<H", data, central_entries(bytes(data))[0] + 8, 1)
    rejected_fast(bytes(data), match="encrypted")


def test_zip64_rejected(quiet_disk):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        with zf.open("Connections.csv", "w", force_zip64=True) as member:
            member.write(CONNECTIONS)
    data = bytearray(buf.getvalue())
    eocd = data.rfind(b"PK\x05\x06")
    struct.pack_into("<2H", data, eocd + 8, 0xFFFF, 0xFFFF)
    rejected_fast(bytes(data), match="ZIP64")


def test_corrupt_crc(quiet_disk):
    data = bytearray(make_zip({"Connections.csv": CONNECTIONS}, zipfile.ZIP_STORED))
    start = data.find(b"Ada")
    data[start] = ord("E")
    rejected_fast(bytes(data), match="damaged")


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (make_zip({"Connections.csv": CONNECTIONS * 50})[:-30], "export.zip"),
        (make_zip({"Connections.csv": CONNECTIONS * 50})[:200], "export.zip"),
        (b"this is not a zip at all\n" * 10, "export.zip"),
        (b"", "export.zip"),
        (b"", "Connections.csv"),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "photo.png"),
    ],
    ids=["truncated-tail", "truncated-head", "not-a-zip", "empty", "empty-csv", "png"],
)
def test_broken_uploads(data, filename, quiet_disk):
    start = time.perf_counter()
    with pytest.raises(ImportRejected):
        open_export(data, filename)
    assert time.perf_counter() - start < 2.0


def test_good_zip_streams_text(tmp_path):
    data = make_zip({"Basic_LinkedInDataExport_12-05-2022/Connections.csv": CONNECTIONS})
    path = tmp_path / "upload.zip"
    path.write_bytes(data)
    with open_source(path) as source:
        assert source.names == ["Basic_LinkedInDataExport_12-05-2022/Connections.csv"]
        with source.open_text(source.names[0]) as text:
            assert text.readline().startswith("First Name,")


def test_folder_source_skips_symlinks(tmp_path):
    root = tmp_path / "export"
    (root / "Jobs").mkdir(parents=True)
    (root / "Connections.csv").write_bytes(CONNECTIONS)
    (root / "Jobs" / "Saved Jobs.csv").write_text("Saved Date\n")
    (root / "evil.csv").symlink_to("/etc/passwd")
    with open_source(root) as source:
        assert source.names == ["Connections.csv", "Jobs/Saved Jobs.csv"]


def test_missing_path_rejected(tmp_path):
    with pytest.raises(ImportRejected, match="cannot open"):
        open_source(Path(tmp_path / "nope.zip"))
