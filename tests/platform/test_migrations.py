"""The Alembic migrations build the same schema as the models, and go down again."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from tests.conftest import make_settings
from zerolegwork import create_app
from zerolegwork.extensions import db


def test_upgrade_creates_every_table_and_downgrade_removes_them(tmp_path):
    app = create_app(make_settings(f"sqlite:///{tmp_path / 'm.db'}"))
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {t.name for t in db.metadata.sorted_tables} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert {t.name for t in db.metadata.sorted_tables} <= set(inspect(db.engine).get_table_names())


def test_the_models_need_no_new_migration(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    app = create_app(make_settings(f"sqlite:///{tmp_path / 'c.db'}"))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == []
