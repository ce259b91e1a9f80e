import os

from django.core.wsgi import get_wsgi_application

from tinhso.config.runtime import tune_gc

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.config.settings")
application = get_wsgi_application()

# Start-up objects out of the collector's reach, full collections rarer (config/runtime.py).
tune_gc()
