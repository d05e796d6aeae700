"""/api/v1: JSON endpoints over the same services as the pages; bearer tokens only.

Each module registers its routes on `blueprint.bp` when imported; importing them here, at the top,
is what puts them on the blueprint the factory registers.
"""

from . import (  # noqa: F401  (their routes register on bp)
    assignments,
    auth,
    etag,
    materials,
    openapi,
    parents,
    questions,
    reports,
    review,
    search,
    submissions,
    tracking,
    views,
)
from .blueprint import bp

__all__ = ["bp"]
