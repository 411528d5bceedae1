# A minimal Django project serving the OGC SensorThings API v1.1 from SQLite, on loopback only,
# for passant's tests. Not for production: debug off, a throwaway secret key, no auth.
import os
import uuid

BASE_DIR = os.path.dirname(os.path.abspath(__file__))
PORT = os.environ.get("PASSANT_STA_PORT", "8000")

SECRET_KEY = "passant-test-server-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "passant_sta.urls"
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "sensorthings.versions.v1_1",
    "sensorthings.versions.v1_1.backends.django",
    "sensorthings.versions.v1_1.extensions.dataarray",
]
MIDDLEWARE = []

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("PASSANT_STA_DATABASE", os.path.join(BASE_DIR, "sensorthings.sqlite3")),
    }
}

# The package appends the version itself.
SENSORTHINGS_V1_1_SERVICE_URL = f"http://127.0.0.1:{PORT}/sensorthings"
SENSORTHINGS_V1_1_BACKEND_ADAPTER = "sensorthings.versions.v1_1.backends.django.adapter.DjangoBackendAdapter"
SENSORTHINGS_V1_1_ID_TYPE = uuid.UUID
SENSORTHINGS_V1_1_ID_DELIMITER = "'"

# Big CreateObservations bodies (10,000 rows ≈ 3 MB) exceed Django's 2.5 MB default.
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
