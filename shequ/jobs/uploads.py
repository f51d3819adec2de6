"""What an uploaded import file may be, checked before anything parses it.

A web process only receives and stores the file: its size is checked while it arrives
(``SizeLimitedUploadHandler``) and again when it is read (``read_upload``). The workbook is
opened by the job, and only after ``check_workbook`` has read the zip directory: the sum of
the members' sizes once unzipped and their compression ratio, so that a small file that
unzips to gigabytes (a "zip bomb") is refused before it costs memory or time. The rows are
capped by the job as it reads them (``IMPORT_MAX_ROWS``).
"""

import io
import zipfile
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.translation import gettext as _

# A member smaller than this unzipped may have any ratio (an XML file of repeated styles
# compresses far beyond what a bomb needs to be caught).
RATIO_FLOOR_BYTES = 1024 * 1024


def too_large_error() -> ValidationError:
    return ValidationError(
        {
            "file": [
                _("文件太大（上限 %(mb)d MB），请分成几个文件。")
                % {"mb": settings.IMPORT_MAX_BYTES >> 20}
            ]
        }
    )


class OversizedUpload(UploadedFile):
    """Stands for an upload refused while it arrived: no content, its size as received."""

    def __init__(self, name: str | None, content_type: str | None, size: int, charset: str | None):
        super().__init__(io.BytesIO(b""), name, content_type, size, charset)


class SizeLimitedUploadHandler(FileUploadHandler):
    """The first upload handler: passes each chunk on to the usual handlers (memory, then a
    temporary file) until the upload passes ``IMPORT_MAX_BYTES``, then keeps nothing more
    and hands over an ``OversizedUpload``, which the import refuses with a clear message."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > settings.IMPORT_MAX_BYTES:
            return None  # the handlers after this one receive nothing more
        return raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if self.received > settings.IMPORT_MAX_BYTES:
            return OversizedUpload(self.file_name, self.content_type, self.received, self.charset)
        return None  # the usual handlers give the file


def read_upload(content: bytes | IO[bytes]) -> bytes:
    """The uploaded file's bytes, refused past ``IMPORT_MAX_BYTES`` before more is read."""
    limit = settings.IMPORT_MAX_BYTES
    if isinstance(content, bytes | bytearray | memoryview):
        data = bytes(content)
    else:
        size = getattr(content, "size", None)
        if size is not None and size > limit:
            raise too_large_error()
        data = content.read(limit + 1)
    if len(data) > limit:
        raise too_large_error()
    return data


def check_workbook(source: IO[bytes]) -> None:
    """Refuse an .xlsx whose zip directory says it unzips too large or too compressed;
    raises ValidationError with the message for the job. Reads the directory only."""
    position = source.tell()
    try:
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip at all: the reader says so in its own words
    finally:
        source.seek(position)
    unzipped = sum(m.file_size for m in members)
    limit = settings.IMPORT_MAX_UNZIPPED_BYTES
    if unzipped > limit:
        raise ValidationError(
            _(
                "Excel 文件解压后有 %(size)d MB，超过上限 %(mb)d MB，未处理。"
                "请分成几个文件，或另存为 CSV。"
            )
            % {"size": unzipped >> 20, "mb": limit >> 20}
        )
    ratio = settings.IMPORT_MAX_ZIP_RATIO
    for member in members:
        if member.file_size > RATIO_FLOOR_BYTES and (
            member.file_size > ratio * max(member.compress_size, 1)
        ):
            raise ValidationError(
                _(
                    "Excel 文件中的 %(name)s 压缩比异常（解压后 %(size)d MB），"
                    "不像正常的表格，未处理。请用 Excel 重新保存，或另存为 CSV。"
                )
                % {"name": member.filename, "size": member.file_size >> 20}
            )


def rows_limit_error() -> ValidationError:
    return ValidationError(
        _("文件超过 %(n)d 行的上限，未写入任何数据。请分成几个文件。")
        % {"n": settings.IMPORT_MAX_ROWS}
    )
