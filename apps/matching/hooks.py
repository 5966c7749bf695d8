"""Announcements of matching that apps above it act on; matching must not import them."""

from django.dispatch import Signal

# Sent inside the notifying transaction with `seen`: (organisation id, match id, token) of participants
# just told of a match they had heard nothing of, so that outcomes can ask each what it led to.
matches_seen = Signal()

# Sent by screening with `organisation` (the screener) and `answers`: (ScreenResult, visible reports)
# pairs, so that outcomes can add what it knows of those reports. Receivers add keys to each
# result's counterparts; they may read only reports listed there.
screen_answered = Signal()
