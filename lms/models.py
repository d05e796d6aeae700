"""Every feature's models, imported so that the metadata (and Alembic) sees all tables."""

from .accounts.models import *  # noqa: F401,F403
from .assignments.models import *  # noqa: F401,F403
from .files.models import *  # noqa: F401,F403
from .materials.models import *  # noqa: F401,F403
from .questions.models import *  # noqa: F401,F403
from .reports.models import *  # noqa: F401,F403
from .review.models import *  # noqa: F401,F403
from .schools.models import *  # noqa: F401,F403
