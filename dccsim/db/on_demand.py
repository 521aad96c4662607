"""A transaction that begins with its first statement, so that work which turns out to need only one statement
sends it alone: one round trip, committed by itself, instead of BEGIN, the statement and COMMIT.

``OnDemandTransaction(conn)`` stands in for the connection inside an ``async with``. Any statement through it
begins the real transaction first (everything then commits together when the block ends, or rolls back if it
raises). ``last_row(query, ...)`` is the block's final statement: inside the transaction if one was begun, else on
its own. After-commit callbacks run once the block's work has committed, whichever way.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

from dccsim.db.connection import DccConnection

log = logging.getLogger(__name__)


class AfterLastStatement(RuntimeError):
    """The simulator's own error: a statement was sent after the one that ended the work."""


class OnDemandTransaction:
    """A connection's transaction, begun by the first statement sent through it (see the module)."""

    def __init__(self, conn: DccConnection):
        self._conn = conn
        self._transaction = None
        self._after: list[Callable[[], None]] = []
        self._ended = False

    @property
    def reads(self) -> DccConnection:
        """The connection itself, for reading what others committed: a read through it does not begin the
        transaction (once begun, it reads inside it). Never for writes."""
        return self._conn

    @property
    def begun(self) -> bool:
        """Whether a statement has begun the real transaction."""
        return self._transaction is not None

    async def _begin(self) -> DccConnection:
        if self._ended:
            raise AfterLastStatement("a statement after the work's last one, which committed on its own")
        if self._transaction is None:
            self._transaction = self._conn.transaction()
            await self._transaction.start()
            for callback in self._after:
                self._conn.after_commit(callback)
            self._after.clear()
        return self._conn

    async def execute(self, query: str, *args: Any, **kwargs: Any) -> str:
        return await (await self._begin()).execute(query, *args, **kwargs)

    async def executemany(self, query: str, args, **kwargs: Any) -> None:
        return await (await self._begin()).executemany(query, args, **kwargs)

    async def fetch(self, query: str, *args: Any, **kwargs: Any) -> list:
        return await (await self._begin()).fetch(query, *args, **kwargs)

    async def fetchrow(self, query: str, *args: Any, **kwargs: Any):
        return await (await self._begin()).fetchrow(query, *args, **kwargs)

    async def fetchval(self, query: str, *args: Any, **kwargs: Any):
        return await (await self._begin()).fetchval(query, *args, **kwargs)

    async def copy_records_to_table(self, table_name: str, **kwargs: Any) -> str:
        return await (await self._begin()).copy_records_to_table(table_name, **kwargs)

    def transaction(self, **kwargs: Any) -> "_Nested":
        """A savepoint inside the transaction (begun first if it was not)."""
        return _Nested(self, kwargs)

    def is_in_transaction(self) -> bool:
        return True     # what is sent through it commits together, however it is sent

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the block's work has committed (never if it does not)."""
        if self._transaction is not None:
            self._conn.after_commit(callback)
        else:
            self._after.append(callback)

    async def last_row(self, query: str, *args: Any):
        """The work's final statement (its first row): alone, committing itself, if nothing began the
        transaction; otherwise inside it. No statement may follow it."""
        if self._ended:
            raise AfterLastStatement("a second last statement")
        if self._transaction is None:
            self._ended = True
        return await self._conn.fetchrow(query, *args)

    async def __aenter__(self) -> "OnDemandTransaction":
        return self

    async def __aexit__(self, extype, exc, tb) -> None:
        callbacks, self._after = self._after, []
        if self._transaction is not None:
            if extype is None:
                await self._transaction.commit()
            else:
                await self._transaction.rollback()
            return
        if extype is None:
            for callback in callbacks:
                try:
                    callback()
                except Exception:  # noqa: BLE001 - the work stands committed; what the callback started is recovered
                    log.exception("after-commit callback failed")


class _Nested:
    """A savepoint of an on-demand transaction."""

    def __init__(self, outer: OnDemandTransaction, options: dict[str, Any]):
        self._outer = outer
        self._options = options
        self._inner = None

    async def __aenter__(self):
        conn = await self._outer._begin()
        self._inner = conn.transaction(**self._options)
        return await self._inner.__aenter__()

    async def __aexit__(self, extype, exc, tb):
        return await self._inner.__aexit__(extype, exc, tb)
