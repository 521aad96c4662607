"""PostgreSQL access: the embedded server, the connection pool and the migrations."""
from dccsim.db.database import Database, open_database

__all__ = ["Database", "open_database"]
