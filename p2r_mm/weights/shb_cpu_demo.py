default_scope = 'p2r_mm'
model = dict(
    backbone=dict(base_channels=16, type='VGG16BN'),
    data_preprocessor=dict(
        bgr_to_rgb=True, pad_size_divisor=32, type='CountingDataPreprocessor'),
    head=dict(
        feat_channels=64,
        feat_stride=8,
        in_channels=64,
        logit_thr=0.0,
        loss=dict(
            cost_class=1.0,
            cost_point=8.0,
            empty_weight=0.5,
            max_radius=96.0,
            min_radius=8.0,
            pos_weight=2.0,
            type='P2RLoss'),
        type='PointClassificationHead',
        upsample_factor=2),
    neck=dict(
        act_cfg=None,
        in_channels=(
            128,
            128,
        ),
        out_channels=64,
        type='TopDownFusionNeck',
        upsample_mode='bilinear'),
    test_cfg=dict(),
    type='PointCounter')
test_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='LoadCrowdImage'),
        dict(type='LoadCrowdAnnotations'),
        dict(max_size=512, type='ResizeLongSide'),
        dict(type='PackCrowdInputs'),
    ]))
