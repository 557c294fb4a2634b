# The paper's failing baseline: the same semi-supervised framework with
# point-to-point (Hungarian) matching. On pseudo-labelled images unmatched
# cells get no "no head here" signal (ignore_unmatched=True).
_base_ = ['../p2r/sha_5pct.py']

model = dict(
    counter=dict(head=dict(loss=dict(_delete_=True, type='P2PLoss'))),
    unsup_loss=dict(type='P2PLoss', ignore_unmatched=True))
