"""Errors of the files domain, and the one place that turns them into a status and a Chinese message."""

from __future__ import annotations

from flask_babel import gettext as _


class UploadError(Exception):
    """An upload was refused; nothing was stored."""


class NoFileError(UploadError):
    """The request carried no file, or an empty one."""


class FileNameError(UploadError):
    """The file name tries to leave its folder (`../`) or has nothing left after cleaning."""


class SlotError(UploadError):
    """The evidence key is not a snake_case name (a form names its slots)."""


class FileTypeError(UploadError):
    """The extension is not allowed, or the content is not what the extension says."""

    def __init__(self, extension: str, allowed: tuple[str, ...] = ()) -> None:
        super().__init__(extension)
        self.extension = extension
        self.allowed = allowed


class ActiveContentError(UploadError):
    """The file holds a web page, a script or macros, whatever its extension."""


class FileTooLargeError(UploadError):
    """The file is larger than ZLW_UPLOAD_MAX_BYTES."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class DecompressionBombError(UploadError):
    """A .docx/.xlsx (a zip) or an image unpacks to far more than it weighs, or has too many parts."""


class DamagedFileError(UploadError):
    """The file has the right signature but cannot be read (truncated, corrupt, encrypted)."""


class StorageFullError(UploadError):
    """The file storage has no room left (ENOSPC, quota): nothing was stored and no row was written."""


class EvidenceOwnerError(Exception):
    """The material of this slot is another side's: the user may not add to it, nor withdraw that version.

    `reason`: "unit" (the project unit's and its agencies' material), "reviewer" (departments' review
    material), "log" (another organisation's construction-log entry), "withdraw" (another's version).
    Nothing is stored; the refusal is audited.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class EvidenceOnRecordError(Exception):
    """The matter moved on after the version was uploaded (or it was withdrawn already): it cannot be withdrawn."""


class AttachmentNotFoundError(Exception):
    """The attachment does not exist, or the user may not see its project."""


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


def message_for(exc: Exception) -> tuple[int, str]:
    """Return the HTTP status and the user-facing message for an error of this domain."""
    if isinstance(exc, AttachmentNotFoundError):
        return 404, _("The file does not exist, or you may not see it.")
    if isinstance(exc, EvidenceOwnerError):
        return 403, {
            "unit": _(
                "This document is the project unit's material: only the unit and the agencies it engaged "
                "may upload it. Upload your own material in your review document instead."
            ),
            "reviewer": _("This document is a reviewing department's own material: only departments may upload it."),
            "log": _("These photos belong to another organisation's log entry."),
            "withdraw": _("Only the organisation that uploaded this version may withdraw it."),
        }.get(exc.reason, _("You may not do this."))
    if isinstance(exc, EvidenceOnRecordError):
        return 409, _(
            "This version is already on record (the matter moved on to a next step after it was uploaded) and "
            "cannot be withdrawn. Upload a new version instead."
        )
    if isinstance(exc, StorageFullError):
        return 507, _(
            "The file storage is full, so the file could not be saved and nothing was recorded. "
            "Please tell the system administrator and try again later."
        )
    if isinstance(exc, FileTooLargeError):
        return 413, _("The file is too large: at most %(size)s MB per file.", size=_mib(exc.limit))
    if isinstance(exc, ActiveContentError):
        return 415, _("The file contains web page, script or macro content and was refused.")
    if isinstance(exc, FileTypeError):
        if exc.allowed:
            return 415, _(
                "This kind of file is not accepted here (%(ext)s). Accepted: %(allowed)s.",
                ext=exc.extension or "-",
                allowed=", ".join(exc.allowed),
            )
        return 415, _("The file's content does not match its extension (%(ext)s).", ext=exc.extension)
    if isinstance(exc, DecompressionBombError):
        return 422, _("The file unpacks to far more data than it weighs; it was refused as unsafe.")
    if isinstance(exc, DamagedFileError):
        return 422, _("The file is damaged or cannot be read. Save it again and upload the new copy.")
    if isinstance(exc, FileNameError):
        return 422, _("The file name is not allowed: it must not contain a folder path such as ../")
    if isinstance(exc, SlotError):
        return 422, _("The upload did not say which document it is. Reload the page and try again.")
    if isinstance(exc, NoFileError):
        return 422, _("Choose a file to upload.")
    return 422, _("The upload was refused.")
