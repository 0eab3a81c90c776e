"""What an upload may be: an allow-list of extensions, each checked against the file's content."""

from __future__ import annotations

import re
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Callable
from typing import BinaryIO

from .errors import (
    ActiveContentError,
    DamagedFileError,
    DecompressionBombError,
    FileNameError,
    FileTypeError,
)

# extension -> the content type the file is served with (never the one the browser sent)
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
}
IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "webp")
PREVIEWABLE = frozenset({"image/png", "image/jpeg", "image/webp", "application/pdf"})

MAX_NAME_LENGTH = 120
# a .docx/.xlsx is a zip: refuse one with more parts, more unpacked bytes, or a part packed tighter than this
ZIP_MAX_ENTRIES = 5000
ZIP_MAX_UNPACKED = 300 * 1024 * 1024
ZIP_MAX_RATIO = 200  # real documents stay far below; a zip bomb's parts are ~1000:1
ZIP_RATIO_FLOOR = 1024 * 1024  # small parts may compress well without harm
# a photo of 100 megapixels is larger than any phone takes; a tiny file claiming more is an image bomb
MAX_IMAGE_PIXELS = 100_000_000

_SIGNATURES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
}
# the part every Word / Excel file has besides [Content_Types].xml
_OOXML_MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
_PIL_FORMATS = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "webp": "WEBP"}
# what makes a browser (or a careless viewer) treat bytes as a page or a program
_ACTIVE_START = (b"<", b"#!", b"\x7fELF", b"MZ")
# looked for anywhere in the (lower-cased) file; a tag counts only when its name ends as in HTML, which
# keeps chance matches in megabytes of compressed image or PDF data rare
_ACTIVE_ANYWHERE = re.compile(rb"<(?:script|html|body|iframe|svg|object)[\s/>]|<\?php\s|javascript:")
_PDF_ACTIVE = re.compile(rb"/(?:JavaScript|Launch|EmbeddedFile)(?![A-Za-z0-9])")
_OLE_MACROS = "_VBA_PROJECT".encode("utf-16-le")
_NAME_FORBIDDEN = re.compile(r'[<>:"|?*]')
CHUNK = 1024 * 1024


def clean_filename(raw: str) -> str:
    """The name to show and offer on download: no folders, no control characters, not too long.

    A name that climbs out of its folder (`../`) is refused outright rather than quietly repaired.
    """
    name = unicodedata.normalize("NFC", raw or "")
    parts = re.split(r"[/\\]", name)
    if any(part.strip() == ".." for part in parts):
        raise FileNameError(raw)
    name = parts[-1]
    # control and format characters (RTL overrides that turn "gpj.exe" around, zero-width spaces)
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co"))
    name = _NAME_FORBIDDEN.sub("_", " ".join(name.split())).strip(" .")
    if not name:
        raise FileNameError(raw)
    if len(name) <= MAX_NAME_LENGTH:
        return name
    stem, dot, ext = name.rpartition(".")
    if dot and len(ext) <= 10:  # shorten the stem, keep the extension
        return stem[: MAX_NAME_LENGTH - len(ext) - 1] + "." + ext
    return name[:MAX_NAME_LENGTH]


def extension_of(filename: str) -> str:
    """The lower-case extension, without the dot ('' when there is none)."""
    stem, dot, ext = filename.rpartition(".")
    return ext.lower() if dot and stem else ""


def check_extension(extension: str, allowed: tuple[str, ...] | None = None) -> str:
    """Refuse an extension outside the allow-list (or the slot's narrower list); return its content type."""
    accepted = tuple(e for e in (allowed or tuple(CONTENT_TYPES)) if e in CONTENT_TYPES)
    if extension not in accepted:
        raise FileTypeError(extension, accepted)
    return CONTENT_TYPES[extension]


def check_content(extension: str, data: BinaryIO) -> None:
    """Refuse content that is not what its (allowed) extension says, or that is active or a bomb."""
    data.seek(0)
    head = data.read(4096)
    _refuse_active(head, data)
    if extension == "webp":
        if not (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
            raise FileTypeError(extension)
    elif not head.startswith(_SIGNATURES[extension]):
        raise FileTypeError(extension)
    if extension in _PIL_FORMATS:
        _check_image(extension, data)
    elif extension == "pdf":
        _check_pdf(data)
    elif extension in _OOXML_MAIN_PART:
        _check_ooxml(extension, data)
    else:
        _check_ole(data)
    data.seek(0)


def _refuse_active(head: bytes, data: BinaryIO) -> None:
    """Refuse a file that starts as a page or a program, or holds markup or a script URL anywhere."""
    text = head.removeprefix(b"\xef\xbb\xbf")
    utf16 = text[:2] in (b"\xff\xfe", b"\xfe\xff")
    if utf16:
        text = text[2:].replace(b"\x00", b"")
    if text.lstrip().lower().startswith(_ACTIVE_START):
        raise ActiveContentError()

    def fold(chunk: bytes) -> bytes:
        return (chunk.replace(b"\x00", b"") if utf16 else chunk).lower()

    if _scan(data, _ACTIVE_ANYWHERE, transform=fold):
        raise ActiveContentError()


def _check_image(extension: str, data: BinaryIO) -> None:
    from PIL import Image

    data.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit is below
            with Image.open(data) as image:
                if image.format != _PIL_FORMATS[extension]:
                    raise FileTypeError(extension)
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise DecompressionBombError()
                image.verify()
    except Image.DecompressionBombError:
        raise DecompressionBombError() from None
    except (FileTypeError, DecompressionBombError):
        raise
    except Exception:  # Pillow raises many kinds for broken images
        raise DamagedFileError() from None


def _scan(
    data: BinaryIO,
    pattern: re.Pattern[bytes],
    overlap: int = 32,
    transform: Callable[[bytes], bytes] | None = None,
) -> bool:
    """Search a pattern in a file chunk by chunk (a match across chunk borders included).

    Memory stays at one chunk plus `overlap` bytes, which must exceed the longest match.
    """
    data.seek(0)
    tail = b""
    while chunk := data.read(CHUNK):
        window = tail + (transform(chunk) if transform else chunk)
        if pattern.search(window):
            return True
        tail = window[-overlap:]
    return False


def _check_pdf(data: BinaryIO) -> None:
    # scripts, launch actions and embedded files; a name hidden inside a compressed object
    # stream is not seen here, which is why previews are also served sandboxed
    if _scan(data, _PDF_ACTIVE):
        raise ActiveContentError()


def _check_ole(data: BinaryIO) -> None:
    if _scan(data, re.compile(re.escape(_OLE_MACROS))):
        raise ActiveContentError()


def _check_ooxml(extension: str, data: BinaryIO) -> None:
    data.seek(0)
    try:
        with zipfile.ZipFile(data) as archive:
            entries = archive.infolist()
            if len(entries) > ZIP_MAX_ENTRIES:
                raise DecompressionBombError()
            if sum(e.file_size for e in entries) > ZIP_MAX_UNPACKED:
                raise DecompressionBombError()
            for entry in entries:
                if entry.file_size > ZIP_RATIO_FLOOR and entry.file_size > ZIP_MAX_RATIO * max(entry.compress_size, 1):
                    raise DecompressionBombError()
            names = {e.filename for e in entries}
            if "[Content_Types].xml" not in names or _OOXML_MAIN_PART[extension] not in names:
                raise FileTypeError(extension)
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                raise ActiveContentError()
            # the sizes above are what the archive claims: unpack every part, counting, to be sure
            unpacked = 0
            for entry in entries:
                with archive.open(entry) as part:
                    while chunk := part.read(CHUNK):
                        unpacked += len(chunk)
                        if unpacked > ZIP_MAX_UNPACKED:
                            raise DecompressionBombError()
            if b"macroenabled" in archive.read("[Content_Types].xml")[:1_000_000].lower():
                raise ActiveContentError()
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, ValueError):
        raise DamagedFileError() from None
