"""The live contract suite: a small, read-only run of the provider against the real Cloudflare API.

``make test-live`` runs it (``python -m scripts.live_contract``). Modules, one concept each:

- :mod:`.cli`: the command: environment, skip line, table, report file, exit status;
- :mod:`.target`: the account and app under test, and the hook and raw client pointed at them;
- :mod:`.transport`: the only way onto the network, GET requests within a small budget;
- :mod:`.redaction`: keeping the token and stream keys out of every line and the report;
- :mod:`.shapes`: describing JSON by its keys and types, never its values;
- :mod:`.report`: check results, the printed table and the JSON report;
- :mod:`.provider_checks`: every endpoint the provider calls, through ``RealtimeKitHook``;
- :mod:`.open_questions`: the [U] items of the API notes that a read can settle, through raw GETs;
- :mod:`.forms`: putting raw answers into words (list and error forms, rate-limit headers, order);
- :mod:`.context`: what the checks of one run share, and how a check's exception becomes its result.

See docs/live-contract.md.
"""
