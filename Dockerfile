# syntax=docker/dockerfile:1
# Samenspel's image: build the front-end assets and the translations in a build stage,
# run gunicorn as an unprivileged user. No secrets, no database and no demo data are in
# the image: configuration comes from the environment (README.md, "In productie"), and
# the schema is brought up to date by a one-shot `flask db upgrade` before a new version
# starts, never at every start.
#
#   docker build -t samenspel .
#   docker run --rm --env-file samenspel.env samenspel flask db upgrade
#   docker run -d -p 8000:8000 --env-file samenspel.env samenspel
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/samenspel
# Front-end packages, pinned by package-lock.json.
COPY package.json package-lock.json ./
# The image needs the runtime packages only (vnu-jar, the HTML checker of the tests, is a
# development package).
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error
# Python packages, pinned in pyproject.toml (the app itself runs from its folder).
COPY pyproject.toml ./
RUN python3 -m venv /opt/venv \
    && python3 -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && /opt/venv/bin/pip install -r /tmp/requirements.txt
COPY app ./app
COPY migrations ./migrations
COPY templates ./templates
COPY translations ./translations
COPY scripts/vendor.sh ./scripts/vendor.sh
COPY gunicorn.conf.py ./
RUN bash scripts/vendor.sh \
    && /opt/venv/bin/pybabel compile -d translations \
    && rm -rf node_modules scripts \
    && find . -name '__pycache__' -prune -exec rm -rf {} +

FROM ${PYTHON_IMAGE}
# pg_dump/pg_restore 15 for backups; Pango and a font for PDF exports (WeasyPrint).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-15 libpango-1.0-0 \
       libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /srv/samenspel \
       --shell /usr/sbin/nologin samenspel
COPY --from=build /opt/venv /opt/venv
COPY --from=build /srv/samenspel /srv/samenspel
RUN mkdir -p /srv/samenspel/instance /backups /tmp/prometheus \
    && chown samenspel:samenspel /srv/samenspel/instance /backups /tmp/prometheus
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/srv/samenspel \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    FLASK_APP=app:create_app \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus \
    SAMENSPEL_BACKUP_DIR=/backups \
    SAMENSPEL_MAIL_ECHO=0
WORKDIR /srv/samenspel
USER 10001:10001
EXPOSE 8000
VOLUME ["/srv/samenspel/instance", "/backups"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python3", "-c", "import os, urllib.request; port = os.environ.get('GUNICORN_BIND', ':8000').rsplit(':', 1)[1]; urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4)"]
CMD ["gunicorn", "--config", "gunicorn.conf.py", "app:create_app()"]
