"""A hook through which a lower feature's text filter asks the search feature, which sits above it
(STYLE.md: dependencies point one way). The materials library's `q` calls `matching_ids`; search
registers the function that answers at import (search/services.py). Without it (search switched
off, or a script that never imported search) the caller keeps its own plain filter."""

_provider = {"matching_ids": None}


def provide(matching_ids):
    """Register `matching_ids(item_type, text) -> set of ids | None`."""
    _provider["matching_ids"] = matching_ids


def matching_ids(item_type, text):
    """The ids of the published items of `item_type` matching `text` as search understands it
    (diacritics optional, NFC or not), or None when no search answers."""
    provider = _provider["matching_ids"]
    return None if provider is None else provider(item_type, text)
