"""Horizontal-flip test-time augmentation (``test_cfg.flip``): the logits
of the input and of its mirror image, mapped back decoder cell by decoder
cell, averaged before the threshold."""
import pytest
import torch

from p2r_mm.models.counters import (check_test_cfg, flip_averaged_logits,
                                    predict_logits)
from p2r_mm.models.counters.test_time import mirror_cells
from .test_point_counter import narrow_counter, packed


def every_fourth_column(x):
    """A 'network' of stride 4 whose logit is channel 0 at the first pixel
    of each 4x4 cell, so mirrored cells are easy to follow by hand."""
    return x[:, :1, ::4, ::4]


def test_flip_average_by_hand():
    row = torch.arange(1., 9.)  # pixel columns 0..7: 1 2 3 4 5 6 7 8
    x = row.expand(1, 3, 4, 8).clone()
    out = flip_averaged_logits(every_fourth_column, x, stride=4)
    # Unflipped: columns 0 and 4 -> 1, 5. Mirrored input: its columns 0
    # and 4 are columns 7 and 3 -> 8, 4, mirrored back -> 4, 8.
    assert out.shape == (1, 1, 1, 2)
    assert out.flatten().tolist() == [(1 + 4) / 2, (5 + 8) / 2]
    with pytest.raises(ValueError, match='multiple of 4'):
        flip_averaged_logits(every_fourth_column, x[..., :6], stride=4)


def test_decoder_cells_are_mirrored_as_blocks():
    # A row of 6 cells in decoder cells of 2: blocks (a b)(c d)(e f) mirror
    # to (e f)(c d)(a b), each keeping its order.
    row = torch.arange(6.).reshape(1, 1, 1, 6)
    assert mirror_cells(row, 2).flatten().tolist() == [4, 5, 2, 3, 0, 1]
    assert mirror_cells(row, 1).flatten().tolist() == [5, 4, 3, 2, 1, 0]
    x = torch.arange(1., 17.).expand(1, 3, 4, 16).clone()
    out = flip_averaged_logits(every_fourth_column, x, stride=4,
                               sub_cells=2)
    # Unflipped cells: 1 5 9 13; mirrored input: 16 12 8 4 -> cells
    # (16 12)(8 4) -> blocks swapped: (8 4)(16 12).
    assert out.flatten().tolist() == [(1 + 8) / 2, (5 + 4) / 2,
                                      (9 + 16) / 2, (13 + 12) / 2]
    with pytest.raises(ValueError, match='multiple of 8'):
        flip_averaged_logits(every_fourth_column, x[..., :12], stride=4,
                             sub_cells=2)


def test_counter_predicts_from_the_averaged_logits():
    torch.manual_seed(0)
    plain = narrow_counter()
    tta = narrow_counter(test_cfg=dict(flip=True))
    tta.load_state_dict(plain.state_dict())
    plain.eval(), tta.eval()
    # 70 x 90 padded to 96 x 96: the mirror moves the padding left.
    data = plain.data_preprocessor(packed(70, 90, []), False)
    x = data['inputs']
    with torch.no_grad():
        logits = plain(x)
        mirrored = plain(torch.flip(x, dims=[3]))
        expected = (logits + mirror_cells(mirrored, 2)) / 2
        # The head's threshold sits near these random logits.
        tta.head.logit_thr = plain.head.logit_thr = float(
            expected[..., :18, :23].median())
        # (predict fills the data samples in place: one call at a time)
        got = tta(**data, mode='predict')[0]
        got_logits, got_count = got.pred_logits.clone(), got.pred_count
        ref = plain(**data, mode='predict')[0]
    valid = expected[0, :, :18, :23]  # cells covering the 70 x 90 image
    assert torch.allclose(got_logits, valid, atol=1e-6)
    assert got_count == int((valid > tta.head.logit_thr).sum())
    # A real change: plain prediction uses other logits and another count.
    assert not torch.allclose(ref.pred_logits, valid, atol=1e-3)
    assert got_count != ref.pred_count


def test_flip_with_tiles_mirrors_the_tiled_prediction():
    torch.manual_seed(0)
    both = narrow_counter(
        backbone=dict(type='LocalFeaturesForTest'), ch=8,
        test_cfg=dict(tile=dict(size=64, overlap=32), flip=True))
    both.eval()
    x = torch.randn(1, 3, 96, 160)
    tile = both.test_cfg['tile']
    with torch.no_grad():
        got = predict_logits(both._forward, x, both.test_cfg, 4, 2)
        tiled = predict_logits(both._forward, x, dict(tile=tile), 4)
        tiled_mirror = predict_logits(both._forward, x.flip(-1),
                                      dict(tile=tile), 4)
    assert torch.allclose(got, (tiled + mirror_cells(tiled_mirror, 2)) / 2)


def test_bad_test_cfg_is_named():
    with pytest.raises(ValueError, match='flip must be True or False'):
        narrow_counter(test_cfg=dict(flip='yes'))
    with pytest.raises(ValueError, match=r"unknown keys \['flips'\]"):
        narrow_counter(test_cfg=dict(flips=True))
    check_test_cfg(None)
    check_test_cfg(dict(flip=False, tile=None))


def test_multi_channel_maps_tile_and_merge_through_the_head_hook():
    # A two-channel 'network': tiling keeps every channel of a cell from
    # one tile, and the flip views merge as the given hook says.
    def two_channels(x):
        cells = x[:, :1, ::4, ::4]
        return torch.cat([cells, 10 * cells], dim=1)

    x = torch.randn(1, 3, 64, 96)
    tiled = predict_logits(two_channels, x,
                           dict(tile=dict(size=64, overlap=32)), 4)
    torch.testing.assert_close(tiled, two_channels(x))

    def keep_first_view(maps, mirrored):
        return torch.cat([(maps[:, :1] + mirrored[:, :1]) / 2, maps[:, 1:]],
                         dim=1)

    merged = predict_logits(two_channels, x, dict(flip=True), 4, 1,
                            keep_first_view)
    averaged = flip_averaged_logits(two_channels, x, 4)
    torch.testing.assert_close(merged[:, :1], averaged[:, :1])
    torch.testing.assert_close(merged[:, 1:], two_channels(x)[:, 1:])
