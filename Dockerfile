# syntax=docker/dockerfile:1.7
# One image for every role of the hub:
#   docker run IMAGE run --role intake|processors|gateway|all
#   docker run IMAGE db upgrade
# Build from the repository root: docker build -t ijw-hub .

# Both stages must use the same interpreter: the virtualenv built in the first is copied into the second.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---------------------------------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

# Compilers live in this stage only, for a dependency that has no wheel for the target platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app

# Dependencies first, read from pyproject.toml at the versions constraints.txt pins (what `make test` tested):
# this layer is rebuilt only when the dependency list or a pin changes.
COPY pyproject.toml README.md constraints.txt ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
 && pip install -c constraints.txt -r /tmp/requirements.txt

COPY hub ./hub
COPY consumers ./consumers
COPY producers ./producers
# The XSDs: hub/ijw/schema.py and hub/ijw/structure.py find them next to the package (/app/schemas/ijw/3.2).
COPY schemas ./schemas

# Editable install: the hub reads its XSDs, reference data (hub/reference/*.csv) and migrations relative to the
# source tree, so the code stays in /app (the same path in the runtime stage) and the venv only points at it.
RUN pip install --no-deps -e . \
 && python -m compileall -q /app/hub /app/consumers /app/producers \
 && test -f /app/schemas/ijw/3.2/basisschema.xsd \
 && ls /app/hub/reference/*.csv \
 && hub --help > /dev/null

# ---------------------------------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="ijw-hub" \
      org.opencontainers.image.description="Event-driven integration hub for iJw 3.2 youth-care messages" \
      org.opencontainers.image.licenses="EUPL-1.2"

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HUB_HTTP_HOST=0.0.0.0 \
    HUB_HTTP_PORT=8080 \
    HUB_LOG_FORMAT=json \
    HUB_MIGRATE_ON_START=false

# A fixed numeric uid/gid so that Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
RUN groupadd --system --gid 10001 hub \
 && useradd --system --uid 10001 --gid hub --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin hub

# Owned by root and not writable by the hub user: the root filesystem can be mounted read-only.
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app

USER 10001:10001
EXPOSE 8080

# The image has no curl; the standard library is enough for a liveness check.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('HUB_HTTP_PORT', '8080') + '/healthz', timeout=4)"]

ENTRYPOINT ["hub"]
CMD ["run", "--role", "all"]
