"""Administration pages (/admin), one blueprint `schools` in three modules: the district office's
(district.py: schools, subject groups, topics), a school admin's (school.py: classes, enrolments,
teachers, students, teaching, the student import) and the accounts pages both share (accounts.py).

Each module registers its routes on `common.bp` when imported; importing them here, at the top, is
what puts them on the blueprint the factory registers (as lms/api does).
"""

from . import accounts, district, school  # noqa: F401  (their routes register on bp)
from .common import bp

__all__ = ["bp"]
