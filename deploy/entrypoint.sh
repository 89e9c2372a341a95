#!/bin/sh
# The container's entrypoint: `run` serves the province (outreach server run), `worker` runs builds
# from the queue (outreach server worker), both on the server folder OUTREACH_DIR (a volume,
# /srv/outreach by default); their further arguments are passed on. Anything else is an outreach
# command line, e.g. `server init /srv/outreach --province "tỉnh Đồng Nai"` or `server add-user …`.
set -eu
DIR="${OUTREACH_DIR:-/srv/outreach}"
case "${1:-run}" in
    run)
        [ "$#" -gt 0 ] && shift
        # 0.0.0.0 inside the container: the port is published to the reverse proxy only.
        exec outreach server run "$DIR" --host 0.0.0.0 --port "${PORT:-8080}" "$@" ;;
    worker)
        shift
        exec outreach server worker "$DIR" "$@" ;;
    *)
        exec outreach "$@" ;;
esac
