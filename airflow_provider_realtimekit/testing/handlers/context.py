"""What every route handler reads: the data, the served identity, the shape variants and the token."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from airflow_provider_realtimekit.testing.auth import TokenPolicy
from airflow_provider_realtimekit.testing.envelopes import Reply, realtimekit_error, realtimekit_success
from airflow_provider_realtimekit.testing.request import IncomingRequest
from airflow_provider_realtimekit.testing.state import AppIdentity, LivestreamStore
from airflow_provider_realtimekit.testing.variants import ShapeVariants


@dataclass
class HandlerContext:
    """The state a handler answers from; ``variants`` is read on every request.

    :param store: livestreams and sessions (hold ``store.lock`` while reading).
    :param identity: the served account and app.
    :param variants: the active shape variants.
    :param tokens: the accepted token (token verify reports on it).
    """

    store: LivestreamStore
    identity: AppIdentity
    variants: ShapeVariants
    tokens: TokenPolicy

    def not_found(self, message: str) -> Reply:
        """Answer an unknown id the way ``variants.not_found`` says.

        :param message: the error text of the 404 form.
        """
        shape = self.variants.not_found
        if shape == "null_data":
            return Reply.json(200, realtimekit_success(None))
        if shape == "empty_data":
            return Reply.json(200, realtimekit_success({}))
        return realtimekit_error(404, message)


Handler = Callable[[HandlerContext, IncomingRequest], Reply]
