"""The kinds of reviewable items. Materials and questions register their model class at import,
so the engine can load an item from (item_type, id) for queues and notification links without
importing the features above it."""

ITEM_TYPES = {}


def register_item_type(cls):
    """Register a ReviewableMixin model under its ITEM_TYPE; returns the class (usable as a
    decorator)."""
    if not cls.ITEM_TYPE:
        raise ValueError(f"{cls.__name__} has no ITEM_TYPE")
    ITEM_TYPES[cls.ITEM_TYPE] = cls
    return cls


def unregister_item_type(item_type):
    """For tests that register a throw-away model."""
    ITEM_TYPES.pop(item_type, None)


def item_classes(item_type=None):
    if item_type is None:
        return list(ITEM_TYPES.values())
    cls = ITEM_TYPES.get(item_type)
    return [cls] if cls else []


def load_item(item_type, item_id):
    """The item, or None for an unknown type or id (the caller decides 404)."""
    from ..extensions import db

    cls = ITEM_TYPES.get(item_type)
    if cls is None:
        return None
    return db.session.get(cls, item_id)


ITEM_PAGES = {}


def register_item_page(item_type, render):
    """Register `render(item, decision=None)`, which renders an item type's own page (the one its
    `item_url()` leads to). The engine calls it to show a refused decision form again, with what
    the reviewer typed (`decision = {"values": form, "errors": {field: message}}`); item types
    without one are shown by the engine's generic page."""
    ITEM_PAGES[item_type] = render


def item_page(item_type):
    return ITEM_PAGES.get(item_type)
