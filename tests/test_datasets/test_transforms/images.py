"""Synthetic images whose pixels show where the points are."""
import numpy as np


def pixel_of(points):
    """(N, 2) int (col, row) of the pixel each (x, y) point rounds to;
    written as floor(v + 0.5), independently of the transforms' test."""
    return np.floor(np.asarray(points, np.float64) + 0.5).astype(int)


def id_colours(n):
    """(n, 3) uint8 BGR colours, distinct and never black: point k has
    B = k % 256, G = k // 256 and R = 255."""
    k = np.arange(n)
    return np.stack([k % 256, k // 256, np.full(n, 255)], 1).astype(np.uint8)


def marked_image(h, w, points):
    """(h, w, 3) uint8 black image with the pixel of point k painted in
    ``id_colours(N)[k]``; the points must fall on distinct pixels."""
    img = np.zeros((h, w, 3), np.uint8)
    cols, rows = pixel_of(points).T
    img[rows, cols] = id_colours(len(points))
    return img


def colours_at(img, points):
    """(N, C) values of ``img`` (H, W, C) at the pixels of ``points``."""
    cols, rows = pixel_of(points).T
    return img[rows, cols]


def blob_image(h, w, points, sigma=2.5):
    """(h, w, 3) uint8 image of Gaussian blobs (peak 255) centred on the
    (x, y) ``points`` in pixel-index coordinates."""
    rows, cols = np.mgrid[:h, :w].astype(np.float64)
    pts = np.asarray(points, np.float64)
    d2 = ((cols[..., None] - pts[:, 0]) ** 2 +
          (rows[..., None] - pts[:, 1]) ** 2)
    grey = np.exp(-d2 / (2 * sigma ** 2)).max(-1) * 255
    return np.repeat(np.rint(grey).astype(np.uint8)[..., None], 3, -1)


def blob_centre(img, point, radius):
    """(x, y) intensity-weighted centroid of channel 0 of ``img`` in the
    square of half-size ``radius`` around ``point``."""
    col, row = pixel_of(np.asarray(point)[None])[0]
    r0, c0 = max(row - radius, 0), max(col - radius, 0)
    window = img[r0:row + radius + 1, c0:col + radius + 1, 0].astype(float)
    rows, cols = np.mgrid[:window.shape[0], :window.shape[1]]
    total = window.sum()
    return np.array([(cols * window).sum() / total + c0,
                     (rows * window).sum() / total + r0])
