import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.config.settings")
application = get_wsgi_application()

# The objects loaded at start-up (Django, the apps, the URL and schema registries) live as long as
# the process: moved out of the collector's reach, a full collection no longer walks them
# (it cost 60 ms and more in one request out of several; docs/benchmarks.md).
gc.freeze()
# A full (oldest-generation) collection walks every object the requests have left behind:
# 40-60 ms at a time with the open data portal's 100,000 datasets, every ~6 searches, which was
# most of package_search's p95 (docs/benchmarks.md). Run it ten times less often; the youngest
# generations, which free a request's own cycles, keep their default pace.
gc.set_threshold(700, 10, 100)

