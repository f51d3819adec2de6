"""The WSGI entry point (gunicorn, and ``runserver`` through WSGI_APPLICATION): imported only
by a process that serves, never by tests, migrations or commands."""

import gc
import os
import threading

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
application = get_wsgi_application()

# The ~370,000 objects of Django and our modules live as long as the process: frozen out of
# the cyclic collector, its rare full collections no longer scan them (a request that met one
# took 260 ms of CPU instead of 30; 110 ms at most once frozen, docs/benchmarks.md).
gc.freeze()

# Reading the Chinese font costs ~1.5 s: paid here, in the background, when the process
# starts, instead of by the first person who prints a document.
from shequ.core.pdf import preload_font  # noqa: E402  (after Django is set up)

threading.Thread(target=preload_font, name="pdf-font-preload", daemon=True).start()
