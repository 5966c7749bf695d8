# The hub image: web (gunicorn), Celery worker and Celery beat all run from it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

# WeasyPrint (the transparency report's PDF) draws text with Pango and HarfBuzz, and needs a font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY client ./client
RUN pip install --no-cache-dir ./client
COPY . .

# Collect static files with throwaway production values: nothing here is used at run time.
RUN VIGIL_ENV=production SECRET_KEY=collectstatic-only DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    REDIS_URL=redis://build:6379/0 ALLOWED_HOSTS=build \
    VIGIL_KEY_ENCRYPTION_KEY=0000000000000000000000000000000000000000000000000000000000000000 \
    python manage.py collectstatic --noinput

RUN useradd --system --uid 10001 vigil
USER vigil
EXPOSE 8000
CMD ["gunicorn", "hub.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
