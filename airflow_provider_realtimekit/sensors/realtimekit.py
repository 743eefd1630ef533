"""RealtimeKitLivestreamSessionSensor: waits until a livestream session has stopped."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseSensorOperator, Context, PokeReturnValue

from airflow_provider_realtimekit._compat import (
    AirflowFailException,
    AirflowSensorTimeout,
    AirflowSkipException,
    conf,
)
from airflow_provider_realtimekit.exceptions import (
    RealtimeKitError,
    RealtimeKitNotFoundError,
    RealtimeKitStreamError,
    rebuild_error,
)
from airflow_provider_realtimekit.hooks import DEFAULT_CONN_ID
from airflow_provider_realtimekit.waits.failure_budget import FailureBudget
from airflow_provider_realtimekit.waits.parameters import check_max_consecutive_failures, check_positive_seconds
from airflow_provider_realtimekit.waits.session_state import SessionState, session_state

# The hook and the trigger bring the HTTP protocol and Airflow's trigger machinery: a DAG file that only
# declares the sensor does not need them, so they are imported where the task uses them.
if TYPE_CHECKING:
    from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook
    from airflow_provider_realtimekit.triggers.realtimekit import SessionEventStatus

#: XCom key under which a failing sensor leaves the errored session payload.
STREAM_ERROR_XCOM_KEY = "session"


class RealtimeKitLivestreamSessionSensor(BaseSensorOperator):
    """
    Waits until a livestream session's ``stopped_time`` is set, then returns the session payload, which
    lands in XCom as ``return_value`` in every mode (poke, reschedule, deferrable).

    A 404, an authentication failure or a bad id fails at once, without Airflow ``retries`` (each is a
    :class:`~airflow_provider_realtimekit.exceptions.RealtimeKitPermanentError`); with ``soft_fail=True``
    the task is skipped instead, in every mode. Transient failures (5xx, 429, timeouts,
    after the hook's own retries) only log a warning and the wait goes on, until more than
    ``max_consecutive_failures`` polls in a row have failed. In deferrable mode the count carries over from
    the check made before deferring to the trigger. In reschedule mode each poke is a fresh process, so the
    count covers a single poke there and the sensor's ``timeout`` bounds the wait.

    :param session_id: the livestream session id. Templated.
    :param realtimekit_conn_id: the ``realtimekit`` connection. Templated.
    :param fail_on_stream_error: when the session ends with an ``err_message``, fail with
        :class:`~airflow_provider_realtimekit.exceptions.RealtimeKitStreamError` (True, the default; the
        payload is still pushed to XCom under the key ``session`` for error-handling tasks) or return the
        payload like any stopped session (False).
    :param max_consecutive_failures: failed polls in a row that are tolerated.
    :param deferrable: wait in the triggerer instead of a worker slot; defaults to
        ``[operators] default_deferrable``.
    :param poke_interval: seconds between polls (default 30). Cloudflare allows 1,200 requests per
        5 minutes per token, shared by every task using it.
    """

    template_fields: Sequence[str] = ("session_id", "realtimekit_conn_id")
    ui_color = "#f6821f"

    def __init__(
        self,
        *,
        session_id: str,
        realtimekit_conn_id: str = DEFAULT_CONN_ID,
        fail_on_stream_error: bool = True,
        max_consecutive_failures: int = 10,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        poke_interval: float = 30,
        **kwargs: Any,
    ) -> None:
        check_positive_seconds("poke_interval", poke_interval)
        if "timeout" in kwargs:
            check_positive_seconds("timeout", kwargs["timeout"])
        check_max_consecutive_failures(max_consecutive_failures)
        super().__init__(poke_interval=poke_interval, **kwargs)
        self.session_id = session_id
        self.realtimekit_conn_id = realtimekit_conn_id
        self.fail_on_stream_error = fail_on_stream_error
        self.max_consecutive_failures = max_consecutive_failures
        self.deferrable = deferrable
        #: The session's livestream, as the last successful poke read it (handed to the trigger).
        self._livestream_id: str | None = None

    @cached_property
    def hook(self) -> RealtimeKitHook:
        from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook

        return RealtimeKitHook(self.realtimekit_conn_id)

    @cached_property
    def _budget(self) -> FailureBudget:
        return FailureBudget(self.max_consecutive_failures, f"livestream session {self.session_id!r}")

    def execute(self, context: Context) -> Any:
        if not self.deferrable:
            return super().execute(context)
        deadline = time.time() + self.timeout
        done = self._first_check(context)  # already stopped? then no trigger round-trip at all
        if done:
            return done.xcom_value if isinstance(done, PokeReturnValue) else None
        from airflow_provider_realtimekit.triggers.realtimekit import RealtimeKitLivestreamSessionTrigger

        self.defer(
            trigger=RealtimeKitLivestreamSessionTrigger(
                session_id=self.session_id,
                realtimekit_conn_id=self.realtimekit_conn_id,
                poll_interval=self.poke_interval,
                deadline=deadline,
                max_consecutive_failures=self.max_consecutive_failures,
                not_before=self._budget.quiet_until if self._budget.quiet_until > time.time() else None,
                # A failed poke here and the trigger's failures are one streak against one budget.
                failures_so_far=self._budget.consecutive_failures,
                # What the first poke read: the trigger's shared poller needs no first fetch of its own.
                livestream_id=self._livestream_id,
            ),
            method_name="execute_complete",
            # A backstop for a triggerer that is down: the trigger normally reports the timeout itself.
            timeout=timedelta(seconds=max(deadline - time.time(), 0) + self.poke_interval),
        )

    def _first_check(self, context: Context) -> PokeReturnValue | bool:
        # The check before deferring runs outside BaseSensorOperator.execute's loop, which is where Airflow
        # turns a failed poke into a skip for soft_fail (and never_fail): apply the same rule here, so a
        # permanent error skips a soft_fail sensor in every mode.
        try:
            return self.poke(context)
        except AirflowFailException as error:
            if self.soft_fail or getattr(self, "never_fail", False):
                raise AirflowSkipException(f"Skipping due to soft_fail: {error}") from error
            raise

    def poke(self, context: Context) -> PokeReturnValue | bool:
        try:
            session = self.hook.get_livestream_session(self.session_id)
        except RealtimeKitError as error:
            if not error.transient:
                raise
            self.log.warning("%s", self._budget.record_failure(error))
            return False
        self._budget.record_success()
        livestream_id = session.get("livestream_id")
        self._livestream_id = livestream_id if isinstance(livestream_id, str) else None
        return self._outcome(session, context)

    def _get_next_poke_interval(self, started_at: Any, run_duration: Any, poke_count: int) -> float:
        # Poke and reschedule modes: a 429 whose Retry-After the hook did not wait out (Cloudflare's
        # five-minute lockout) is waited out here, never longer than the sensor's timeout.
        interval = super()._get_next_poke_interval(started_at, run_duration, poke_count)
        return max(interval, min(self._budget.quiet_until - time.time(), self.timeout))

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> Any:
        """Resume after the trigger fired; ``event`` carries the final payload, so nothing is refetched."""
        from airflow_provider_realtimekit.triggers.realtimekit import SessionEventStatus

        status = _status_of(event)
        assert event is not None
        message = str(event.get("message") or f"the wait ended with status {status.value!r}")
        if status in (SessionEventStatus.SUCCESS, SessionEventStatus.STREAM_ERROR):
            session = event.get("session")
            if not isinstance(session, dict):
                raise RealtimeKitError(f"Malformed trigger event: status {status.value!r} without a session payload.")
            outcome = self._outcome(session, context)
            return outcome.xcom_value if isinstance(outcome, PokeReturnValue) else None
        if status is SessionEventStatus.TIMEOUT:
            raise AirflowSensorTimeout(message)
        if status is SessionEventStatus.NOT_FOUND:
            raise RealtimeKitNotFoundError(message)
        raise rebuild_error(event.get("error_type"), message)

    def _outcome(self, session: dict[str, Any], context: Context) -> PokeReturnValue | bool:
        state = session_state(session)
        if state is SessionState.ERRORED:
            err_message = str(session.get("err_message"))
            if self.fail_on_stream_error:
                # The task fails, but an error-handling task downstream (trigger_rule="one_failed") can
                # still read what the stream reported.
                ti = context.get("ti")
                if ti is not None:
                    ti.xcom_push(key=STREAM_ERROR_XCOM_KEY, value=session)
                raise RealtimeKitStreamError(self.session_id, err_message, session)
            self.log.warning("Livestream session %s ended with an error: %s", self.session_id, err_message)
        if state.is_terminal():
            self.log.info("Livestream session %s stopped at %s", self.session_id, session.get("stopped_time"))
            return PokeReturnValue(is_done=True, xcom_value=session)
        self.log.info("Livestream session %s is still live", self.session_id)
        return False


def _status_of(event: object) -> SessionEventStatus:
    from airflow_provider_realtimekit.triggers.realtimekit import SessionEventStatus

    status = event.get("status") if isinstance(event, dict) else None
    try:
        return SessionEventStatus(status)
    except ValueError:
        raise RealtimeKitError(
            f"Malformed trigger event (status {status!r}); expected one of {[s.value for s in SessionEventStatus]}."
        ) from None
