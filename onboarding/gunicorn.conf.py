"""gunicorn in production: `gunicorn -c onboarding/gunicorn.conf.py onboarding.wsgi`.

Behind a buffering proxy (nginx): it reads each request whole before passing it on, so slow
clients wait in the proxy, not here. This is the second line. A sync worker reading a request
that arrives a byte a second serves nobody else meanwhile (two such clients stopped two sync
workers until their 30 s timeout); a gthread worker gives such a connection one of its
threads and serves others with the rest. Flags on the command line override these values.
"""

from __future__ import annotations

worker_class = "gthread"
# One process per core (2 here); threads because a request mostly waits (PostgreSQL, the S3
# server), and each thread keeps a database connection: 2 x 8 = 16 at most.
workers = 2
threads = 8
# A worker silent this long is restarted; a gthread worker stays heard while its threads wait.
timeout = 30
# What a restart or SIGTERM leaves in-flight requests to finish.
graceful_timeout = 25
# Seconds an idle kept-alive connection (from the proxy) is held open.
keepalive = 5
# No runtime control socket (gunicornc): nothing here uses it, and instances on one machine
# would otherwise share its default path.
control_socket_disable = True
