"""How a polling wait treats failed polls: how many in a row it tolerates, and how long a 429 keeps it quiet."""

from __future__ import annotations

import time

from airflow_provider_realtimekit.exceptions import RealtimeKitError, RealtimeKitRateLimitError, RealtimeKitWaitError
from airflow_provider_realtimekit.waits.parameters import check_failure_count, check_max_consecutive_failures


class FailureBudget:
    """
    Counts consecutive transient failures of a polling wait; a success resets the count.

    Modelled on the HTTP provider's ``HttpEventTrigger``: a warning per failed poll, an error only when
    the streak outlasts the budget. It also remembers the ``Retry-After`` of a 429 the hook did not wait
    out (Cloudflare's five-minute lockout is longer than the hook's cap), so that neither the sensor nor
    the trigger polls again before it has passed.

    :param max_consecutive_failures: failed polls in a row that are tolerated; the next one fails the wait.
    :param what: what is being waited for, for messages.
    :param failures_so_far: failed polls in a row already counted elsewhere (the sensor's poke before it
        deferred), so that a streak spanning the hand-over to the trigger is counted once, as one streak.
    """

    def __init__(self, max_consecutive_failures: int, what: str, failures_so_far: int = 0) -> None:
        check_max_consecutive_failures(max_consecutive_failures)
        check_failure_count("failures_so_far", failures_so_far)
        self.max_consecutive_failures = max_consecutive_failures
        self.what = what
        self.consecutive_failures = failures_so_far
        #: Seconds the last failure asked to wait (a 429's Retry-After), 0 when it asked nothing.
        self.retry_after = 0.0
        #: Wall-clock (epoch) time before which another poll would only meet the same 429. Wall-clock, not
        #: monotonic, because the sensor hands it to the trigger, which may run on another machine.
        self.quiet_until = 0.0

    def record_success(self) -> None:
        self.consecutive_failures = 0
        self.retry_after = 0.0

    def record_failure(self, error: RealtimeKitError) -> str:
        """
        Count a transient failure; return the warning to log, or raise when the budget is spent.

        :param error: the transient failure.
        """
        self.consecutive_failures += 1
        self.retry_after = 0.0
        if isinstance(error, RealtimeKitRateLimitError) and error.retry_after:
            self.retry_after = error.retry_after
            self.quiet_until = time.time() + error.retry_after
        if self.consecutive_failures > self.max_consecutive_failures:
            raise RealtimeKitWaitError(
                f"Gave up waiting for {self.what} after {self.consecutive_failures} failed polls in a row "
                f"(max_consecutive_failures={self.max_consecutive_failures}). Last error: {error}"
            ) from error
        return (
            f"Polling {self.what} failed ({self.consecutive_failures} of {self.max_consecutive_failures} "
            f"tolerated in a row); still waiting. {error}"
        )
