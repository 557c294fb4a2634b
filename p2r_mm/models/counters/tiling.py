"""Where the tiles of sliding-window prediction go along one axis."""
from typing import List, Tuple


def tile_spans(length: int, size: int, overlap: int,
               align: int) -> List[Tuple[int, int, int, int]]:
    """Tiles covering ``[0, length)`` and the part each one is trusted for.

    Args:
        length (int): input length, pixels (a multiple of 32 after padding).
        size (int): tile length, pixels.
        overlap (int): minimum overlap of neighbouring tiles, pixels.
        align (int): the core boundaries are multiples of this (the output
            stride), so they fall between cells.

    Returns:
        list of (start, end, core_start, core_end): the tile
        ``[start, end)`` and its core ``[core_start, core_end)``. Cores
        partition ``[0, length)``: neighbouring tiles split their overlap
        at its (aligned) middle.
    """
    if length <= size:
        return [(0, length, 0, length)]
    step = size - overlap
    starts = list(range(0, length - size, step)) + [length - size]
    spans = []
    for k, start in enumerate(starts):
        end = start + size
        core_start = 0 if k == 0 else spans[-1][3]
        if k == len(starts) - 1:
            core_end = length
        else:
            # Middle of the overlap with the next tile.
            core_end = (starts[k + 1] + end) // 2 // align * align
        spans.append((start, end, core_start, core_end))
    return spans
