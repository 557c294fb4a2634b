"""Tell a complete JPEG / PNG file from one whose data was cut short.

libjpeg's default on a JPEG that ends early is a warning ("Premature end
of JPEG file", on stderr, where no program sees it) and grey rows for the
missing data; decoders built that way (and PIL with
``LOAD_TRUNCATED_IMAGES``) hand back an image with its lower part grey and
its heads still annotated there, which trains on (or is scored against)
the wrong picture. OpenCV 4.14 and 5.1 return nothing instead, which only
says "cannot decode". The checks here name the problem whatever the
decoder does, and are cheap for a complete file (a look at its last
bytes); only a file that does not end the way its format ends is decoded
once more, by PIL, which reports truncated data as an error.
"""
import io
import warnings
from typing import Optional

from PIL import Image, ImageFile

_JPEG_START = b'\xff\xd8\xff'
_JPEG_END = b'\xff\xd9'  # EOI marker
_PNG_START = b'\x89PNG\r\n\x1a\n'
_PNG_END = b'IEND\xaeB`\x82'  # IEND chunk type and its CRC


class DamagedImageError(ValueError):
    """An image file that exists but cannot be decoded completely (corrupt,
    truncated, or not the size its annotation says)."""


def truncation_problem(data: bytes) -> Optional[str]:
    """What is wrong with the JPEG or PNG file ``data``, or None.

    None also for other formats (their decoders fail loudly or not at all)
    and for files with extra bytes after a complete image (some cameras
    append data after the JPEG end marker).
    """
    if data.startswith(_JPEG_START):
        if data.rstrip(b'\x00\r\n\t ').endswith(_JPEG_END):
            return None
        return _decode_problem(data, 'JPEG')
    if data.startswith(_PNG_START):
        if data.endswith(_PNG_END):
            return None
        return _decode_problem(data, 'PNG')
    return None


def _decode_problem(data: bytes, kind: str) -> Optional[str]:
    """Decode with PIL, treating truncated data as the error it is."""
    strict = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                img.load()
    except Exception as e:  # PIL raises OSError, SyntaxError, ValueError
        return (f'the {kind} data is incomplete or damaged ({e}); the file '
                'was probably cut short (interrupted copy or download, disk '
                'or network file system error)')
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = strict
    return None


def check_image_bytes(data: bytes, path: str) -> None:
    """Raise :class:`DamagedImageError` naming ``path`` when the JPEG / PNG
    ``data`` read from it is cut short or damaged."""
    problem = truncation_problem(data)
    if problem is not None:
        raise DamagedImageError(f'Image file {path!r}: {problem}')
