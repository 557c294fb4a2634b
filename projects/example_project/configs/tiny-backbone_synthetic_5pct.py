# The labelled-only synthetic baseline with the project's backbone.
_base_ = ['../../../configs/supervised/synthetic_5pct.py']
custom_imports = dict(imports=['projects.example_project.tiny_backbone'])
model = dict(backbone=dict(_delete_=True, type='TinyCrowdBackbone'))
