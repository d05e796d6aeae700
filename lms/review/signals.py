"""What the review engine announces after a commit (core/events.py)."""

from ..core.events import signal

item_transitioned = signal("review.item-transitioned", "A reviewable item changed state (payload: "
                                                       "item_type, item_id, action, from_state, to_state).")
