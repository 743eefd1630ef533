"""How the session-ended watcher works, one concept per module.

- :mod:`.parameters`: the watcher's kwargs and their checks (run at DAG parse time);
- :mod:`.cursor`: what has been reported so far (the newest ``stopped_time`` and the ids ending then);
- :mod:`.cursor_store`: where the cursor lives (the Asset State Store on Airflow 3.3, else memory);
- :mod:`.discovery`: one poll cycle, from the livestream listing to the sessions that ended.

The trigger that drives them is :mod:`airflow_provider_realtimekit.triggers.session_ended`.
"""
