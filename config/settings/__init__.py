"""Settings for the facility-operations project (DJANGO_SETTINGS_MODULE=config.settings).

Every knob comes from the environment (see README "Settings" and `.env.example`). With no
environment at all the project runs on embedded defaults: SQLite, local-memory cache,
local file storage and the SQL time-series store. One module per concern (docs/architecture.md §4);
each imports what it uses from another, so no name is defined twice and the order below is free.
"""

from config.settings.api import *  # noqa: F403
from config.settings.auth import *  # noqa: F403
from config.settings.base import *  # noqa: F403
from config.settings.domains import *  # noqa: F403
from config.settings.stores import *  # noqa: F403
