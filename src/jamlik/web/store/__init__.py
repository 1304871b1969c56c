"""The web app's store: SQLAlchemy 2 models, Alembic migrations run at start-up, queries.

SQLite (write-ahead log, full sync) by default, PostgreSQL + PostGIS by URL. Geometry is kept as
GeoJSON text (WGS84) in every database; on PostgreSQL the migrations add a generated PostGIS
``geometry(Geometry, 4326)`` column with a GiST index beside it, so the same rows are spatial
tables for QGIS and SQL without a second code path.
"""

from jamlik.web.store.engine import connect, migrate
from jamlik.web.store.models import Admin, Base, Contribution, Dialogue

__all__ = ["Admin", "Base", "Contribution", "Dialogue", "connect", "migrate"]
