# Posko's image: one image for every role (`posko web | gateway | project | serve | rebuild`),
# slim Python, the project's own install (pyproject.toml), run as a user without privileges.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint (the notices' and the action report's PDFs, imported when `posko web` starts) loads
# pango; fonts-liberation gives the PDFs their fonts.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --uid 10001 --user-group --create-home --home-dir /var/lib/posko posko

WORKDIR /src
COPY pyproject.toml README.md ./
COPY core ./core
COPY projections ./projections
COPY realtime ./realtime
COPY web ./web
COPY posko ./posko
RUN pip install . && rm -rf /src

USER posko
WORKDIR /var/lib/posko
# Listen on every interface inside the container; the proxy is the only way in.
ENV POSKO_HOST=0.0.0.0 \
    POSKO_DATA_DIR=/var/lib/posko
EXPOSE 8080 8081
ENTRYPOINT ["posko"]
CMD ["serve"]
