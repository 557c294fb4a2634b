# The P2R point counter: VGG-16-BN (ImageNet weights from torchvision),
# conv4_3 + conv5_3 fused at stride 8, a stride-4 point classification head
# trained with the Point-to-Region loss.
model = dict(
    type='PointCounter',
    data_preprocessor=dict(
        type='CountingDataPreprocessor', pad_size_divisor=32,
        bgr_to_rgb=True),
    backbone=dict(
        type='VGG16BN',
        base_channels=64,
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.pytorch.org/models/'
            'vgg16_bn-6c64b313.pth')),
    # The official fusion: bilinear upsampling, no activation after the
    # 3x3 conv; neck and head keep PyTorch's conv init with zero biases.
    neck=dict(
        type='TopDownFusionNeck', in_channels=(512, 512), out_channels=256,
        upsample_mode='bilinear', act_cfg=None),
    head=dict(
        type='PointClassificationHead',
        in_channels=256,
        feat_channels=256,
        upsample_factor=2,
        feat_stride=8,
        loss=dict(
            type='P2RLoss',
            min_radius=8.0,
            max_radius=96.0,
            cost_point=8.0,
            cost_class=1.0,
            pos_weight=2.0,
            empty_weight=0.5),
        logit_thr=0.0),
    # dict(tile=dict(size=2048, overlap=256)) bounds memory on huge images.
    test_cfg=dict())
