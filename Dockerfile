# The province server and its build workers in one image (README "Containers and systemd").
#   docker build -t outreach .
#   docker run … outreach run       # the server, on port 8080
#   docker run … outreach worker    # a build worker (as many as there are cores)
# The server folder is the volume /srv/outreach; DATABASE_URL and REDIS_URL come from the environment.
FROM debian:bookworm-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv python3-pip \
 && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN python3 -m venv /opt/outreach && /opt/outreach/bin/pip install --no-cache-dir /src

FROM debian:bookworm-slim
# What WeasyPrint (Pango, HarfBuzz's subsetter) and the audio (espeak-ng, ffmpeg, libmpg123) need;
# the house font, the spelling dictionary and the templates come with the package.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 libpango-1.0-0 \
    libpangoft2-1.0-0 libharfbuzz-subset0 libmpg123-0 espeak-ng ffmpeg fonts-dejavu-core ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --user-group --uid 10001 --home-dir /srv/outreach --create-home outreach
COPY --from=build /opt/outreach /opt/outreach
COPY deploy/entrypoint.sh /usr/local/bin/outreach-entrypoint
ENV PATH=/opt/outreach/bin:$PATH PYTHONUNBUFFERED=1 OUTREACH_DIR=/srv/outreach
USER outreach
VOLUME /srv/outreach
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/outreach-entrypoint"]
CMD ["run"]
