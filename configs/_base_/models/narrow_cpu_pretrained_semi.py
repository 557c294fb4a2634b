# The narrow counter of ./narrow_cpu_semi.py started from its synthetic
# pretraining: the narrow network trained on the embedded synthetic crowds,
# every image labelled (free, generated on first use), which the CPU
# benchmarks use as a GPU machine uses ImageNet weights. No weights are
# downloaded: make the checkpoint first, from the repository root (1-2 min
# on 2 cores; reproduce_benchmark.py --protocol shb_cpu makes it when it is
# missing):
#   python tools/train.py configs/supervised/synthetic_full.py \
#       --work-dir work_dirs/synthetic_pretrain --cfg-options randomness.seed=0
_base_ = ['./narrow_cpu_semi.py']

model = dict(
    counter=dict(
        init_cfg=dict(type='Pretrained',
                      checkpoint='work_dirs/synthetic_pretrain/epoch_16.pth')))
