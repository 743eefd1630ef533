"""How many transient failures in a row a wait tolerates before it gives up."""

from __future__ import annotations

from airflow_provider_realtimekit.exceptions import RealtimeKitConfigError, RealtimeKitError, RealtimeKitWaitError


class FailureBudget:
    """
    Counts consecutive transient failures of a polling wait; a success resets the count.

    Modelled on the HTTP provider's ``HttpEventTrigger``: a warning per failed poll, an error only when
    the streak outlasts the budget.

    :param max_consecutive_failures: failed polls in a row that are tolerated; the next one fails the wait.
    :param what: what is being waited for, for messages.
    """

    def __init__(self, max_consecutive_failures: int, what: str) -> None:
        check_max_consecutive_failures(max_consecutive_failures)
        self.max_consecutive_failures = max_consecutive_failures
        self.what = what
        self.consecutive_failures = 0

    def record_success(self) -> None:
        self.consecutive_failures = 0

    def record_failure(self, error: RealtimeKitError) -> str:
        """
        Count a transient failure; return the warning to log, or raise when the budget is spent.

        :param error: the transient failure.
        """
        self.consecutive_failures += 1
        if self.consecutive_failures > self.max_consecutive_failures:
            raise RealtimeKitWaitError(
                f"Gave up waiting for {self.what} after {self.consecutive_failures} failed polls in a row "
                f"(max_consecutive_failures={self.max_consecutive_failures}). Last error: {error}"
            ) from error
        return (
            f"Polling {self.what} failed ({self.consecutive_failures} of {self.max_consecutive_failures} "
            f"tolerated in a row); still waiting. {error}"
        )


def check_max_consecutive_failures(value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise RealtimeKitConfigError(f"max_consecutive_failures must be an integer >= 0, got {value!r}.")
