import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.config.settings")
application = get_wsgi_application()

# The objects loaded at start-up (Django, the apps, the URL and schema registries) live as long as
# the process: moved out of the collector's reach, a full collection no longer walks them
# (it cost 60 ms and more in one request out of several; docs/benchmarks.md).
gc.freeze()
