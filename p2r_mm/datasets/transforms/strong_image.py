"""The strong view's photometric copy of a whole image, made before the
crop that both views share.

The official P2R loader (Elin24/P2RLoss ``datasets/shha.py``) colour-jitters,
greys and blurs the *whole* unlabelled image, then crops and resizes the
weak and the strong image together: the blur's sigma is in original-image
pixels and the contrast jitter blends towards the whole image's mean grey.
:class:`AddStrongImage` makes that copy as ``strong_img``; the geometric
transforms (:mod:`.point_geometry`) move it exactly as they move ``img``;
:class:`UseStrongImage`, first in the strong branch, makes it the image.
"""
from typing import List

from mmcv.transforms import BaseTransform, Compose

from p2r_mm.registry import TRANSFORMS

STRONG_KEY = 'strong_img'


@TRANSFORMS.register_module()
class AddStrongImage(BaseTransform):
    """Apply ``transforms`` to a copy of the image and keep it as
    ``strong_img`` beside the untouched ``img``.

    The transforms see a results dict holding only the copy (``img``,
    ``img_shape``), so they cannot change the weak image or its points.

    Required keys: ``img``. Added: ``strong_img`` (same shape and dtype).

    Args:
        transforms (list[dict]): photometric transforms (they must keep the
            image's shape).
    """

    def __init__(self, transforms: List[dict]) -> None:
        self.transforms = Compose(transforms)

    def transform(self, results: dict) -> dict:
        img = results['img']
        copy = dict(img=img.copy(),
                    img_shape=results.get('img_shape', img.shape[:2]))
        copy = self.transforms(copy)
        if copy is None or copy['img'].shape != img.shape:
            raise ValueError(
                f'AddStrongImage: {self.transforms} must keep the image '
                f"shape {img.shape} of {results.get('img_path', 'the image')}")
        results[STRONG_KEY] = copy['img']
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(transforms={self.transforms})'


@TRANSFORMS.register_module()
class UseStrongImage(BaseTransform):
    """Make ``strong_img`` (from :class:`AddStrongImage`, moved by the same
    crop and flip as ``img``) the image of this view.

    Required keys: ``strong_img``. Modified: ``img``. Removed:
    ``strong_img``.
    """

    def transform(self, results: dict) -> dict:
        if STRONG_KEY not in results:
            raise KeyError(
                'UseStrongImage needs the strong_img of AddStrongImage '
                'earlier in the pipeline (before the crop); none for '
                f"{results.get('img_path', 'this image')}")
        strong = results.pop(STRONG_KEY)
        if strong.shape != results['img'].shape:
            raise ValueError(
                f'strong_img {strong.shape} and img {results["img"].shape} '
                f"differ for {results.get('img_path', 'this image')}: a "
                'transform between AddStrongImage and UseStrongImage moved '
                'one and not the other')
        results['img'] = strong
        return results
