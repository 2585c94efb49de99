"""The hub's store: the only package that imports sqlmodel, SQLAlchemy and Alembic.

db (engines, sessions, migrations), tables (the schema), audit (the message log), snapshot (state for the
stateful rules), apply (what an accepted message changes).
"""
