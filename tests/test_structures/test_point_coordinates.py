import torch

from p2r_mm.structures import input_to_original


def test_undoes_resize_then_flip():
    # A 100 x 50 image resized by 0.5 to 50 x 25, then flipped.
    original = torch.tensor([[10.0, 20.0], [99.0, 0.0], [0.0, 49.0]])
    scale = (0.5, 0.5)
    resized = (original + 0.5) * torch.tensor(scale) - 0.5
    flipped = resized.clone()
    flipped[:, 0] = 50 - 1 - flipped[:, 0]
    torch.testing.assert_close(
        input_to_original(flipped, scale, flip=True, input_width=50),
        original)
    torch.testing.assert_close(input_to_original(resized, scale), original)
    # The input is not modified.
    before = flipped.clone()
    input_to_original(flipped, scale, flip=True, input_width=50)
    assert torch.equal(flipped, before)
