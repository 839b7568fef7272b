"""Files of the trading domain under PROTECTED_ROOT: never served directly, always through a checked view."""

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class StoredFile:
    relative_path: str
    size: int
    sha256: str


def protected_path(relative_path: str) -> Path:
    root = Path(settings.PROTECTED_ROOT).resolve()
    path = (root / relative_path).resolve()
    if root not in path.parents:
        raise ValueError("path escapes PROTECTED_ROOT")
    return path


def store(upload, *, folder: str, max_bytes: int, field: str = "file") -> StoredFile:
    """Stream ``upload`` (a Django UploadedFile) into PROTECTED_ROOT/folder, hashing it; refuse past ``max_bytes``."""
    if upload is None:
        raise ValidationError({field: _("Choose a file to upload.")})
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError({field: _("The file is %(size)d bytes; the limit is %(max)d bytes.")
                               % {"size": upload.size, "max": max_bytes}})
    relative = f"{folder}/{uuid.uuid4().hex}.bin"
    path = protected_path(relative)
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("xb") as out:
            for chunk in upload.chunks():
                size += len(chunk)
                if size > max_bytes:
                    raise ValidationError({field: _("The file is larger than the limit of %(max)d bytes.")
                                           % {"max": max_bytes}})
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ValidationError({field: _("The file is empty.")})
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return StoredFile(relative, size, digest.hexdigest())

