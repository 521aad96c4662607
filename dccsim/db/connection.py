"""The simulator's PostgreSQL connections: asyncpg connections that can run work after their transaction
commits (``after_commit``).

After-commit callbacks let the process that wrote a row act on it at once — run the device job it has
just accepted, say — without a round trip to claim it and without waiting for a notification; the row is
still there (with a lease) for any other worker to pick up should this process die first.
"""
from __future__ import annotations

import logging
from typing import Callable

import asyncpg

log = logging.getLogger(__name__)


class DccConnection(asyncpg.Connection):
    """An asyncpg connection whose transactions run ``after_commit`` callbacks when the outermost commits."""

    @property
    def reads(self) -> "DccConnection":
        """This connection, for reading what others committed (as ``OnDemandTransaction.reads``)."""
        return self

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the current transaction commits (never if it rolls back). Outside a
        transaction the statements already committed: it is called at once."""
        if not self.is_in_transaction():
            callback()
            return
        pending = self.__dict__.setdefault("_after_commit", [])
        pending.append(callback)

    def transaction(self, *, isolation=None, readonly=False, deferrable=False) -> "_Transaction":
        return _Transaction(super().transaction(isolation=isolation, readonly=readonly, deferrable=deferrable),
                            self)

    def _committed(self) -> None:
        callbacks = self.__dict__.pop("_after_commit", [])
        for callback in callbacks:
            try:
                callback()
            except Exception:  # noqa: BLE001 - the commit stands; the work is recovered by its lease
                log.exception("after-commit callback failed")

    def _rolled_back(self) -> None:
        self.__dict__.pop("_after_commit", None)


class _Transaction:
    """asyncpg's transaction, telling its connection when the outermost one ends."""

    def __init__(self, inner, connection: DccConnection):
        self._inner = inner
        self._connection = connection
        self._outermost = False

    async def start(self) -> None:
        self._outermost = not self._connection.is_in_transaction()
        await self._inner.start()

    async def commit(self) -> None:
        try:
            await self._inner.commit()
        except BaseException:
            if self._outermost:
                self._connection._rolled_back()
            raise
        if self._outermost:
            self._connection._committed()

    async def rollback(self) -> None:
        try:
            await self._inner.rollback()
        finally:
            if self._outermost:
                self._connection._rolled_back()

    async def __aenter__(self) -> "_Transaction":
        self._outermost = not self._connection.is_in_transaction()
        await self._inner.__aenter__()
        return self

    async def __aexit__(self, extype, ex, tb) -> None:
        try:
            await self._inner.__aexit__(extype, ex, tb)
        except BaseException:
            if self._outermost:
                self._connection._rolled_back()
            raise
        if self._outermost:
            if extype is None:
                self._connection._committed()
            else:
                self._connection._rolled_back()

    def __repr__(self) -> str:
        return repr(self._inner)
