"""The RealtimeKit hooks (sync in :mod:`.realtimekit`, async in :mod:`.realtimekit_async`).

``DEFAULT_CONN_ID`` lives here so that operators and sensors can name the default connection in a DAG file
without importing a hook, which brings the HTTP protocol with it.
"""

#: The connection every class uses unless told otherwise.
DEFAULT_CONN_ID = "realtimekit_default"
