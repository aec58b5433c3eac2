"""PostgreSQL backend whose per-request connection health check costs no round trip.

Django's CONN_HEALTH_CHECKS sends `SELECT 1` before the first query of every request on a reused
connection. A server that restarted or killed the backend has closed the socket, which makes an
idle connection's socket readable (end of file, or a FATAL message); a healthy idle connection has
nothing to read. So the check polls the socket without blocking and only sends `SELECT 1` (and
reconnects when it fails) when there is something to read. A database restart still costs no failed
request; a busy connection no longer pays a round trip per request.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql.base import DatabaseWrapper as PostgresDatabaseWrapper
from psycopg import pq


class DatabaseWrapper(PostgresDatabaseWrapper):
    def _idle_socket_is_quiet(self) -> bool:
        """True when the connection is idle and the server has sent nothing (no close, no error)."""
        conn = self.connection
        if conn is None or conn.closed or conn.broken:
            return False
        if conn.info.transaction_status != pq.TransactionStatus.IDLE:
            return False
        try:
            readable, _, _ = select.select([conn.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable

    def close_if_health_check_failed(self) -> None:
        if self.connection is None or not self.health_check_enabled or self.health_check_done:
            return
        if not self.pool and not self._idle_socket_is_quiet() and not self.is_usable():
            self.close()
        self.health_check_done = True
