"""What a command or a job needs at run time: settings, the engine and a session factory.

Built lazily so ``--help`` and bad-settings errors do not touch the database.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bridge.db import SchemaNotReady, make_engine, schema_problem, session_factory
from bridge.models.figures import QUEUES_REFRESH
from config import Settings, load_settings


class Runtime:
    def __init__(self, settings: Settings | None = None, engine: Engine | None = None,
                 today: dt.date | None = None, *, require_schema: bool = False) -> None:
        self._settings = settings
        self._require_schema = require_schema  # the CLI's: only init (and demo) may create the database
        self._today = today  # a fixed date (tests, benchmarks); otherwise the district's today
        if engine is not None:
            self.engine = engine  # fills the cached property: tests share one engine

    def today(self) -> dt.date:
        """Today in the district: where the sync's rolling window of attendance sessions starts."""
        return self._today or self.settings.district.today()

    @cached_property
    def settings(self) -> Settings:
        return self._settings or load_settings()

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        if self._require_schema:
            self.check_schema()
        factory = session_factory(self.engine)
        if self.settings.jobs.refresh_figures:  # its commits queue the figures' refresh (bridge.models.figures)
            factory.configure(info={QUEUES_REFRESH: True})
        return factory

    def check_schema(self) -> None:
        """Raise :class:`SchemaNotReady` naming the database unless it has this version's schema."""
        problem = schema_problem(self.engine)
        if problem:
            url = self.engine.url.render_as_string(hide_password=True)
            raise SchemaNotReady(f"database {url} {problem}")
