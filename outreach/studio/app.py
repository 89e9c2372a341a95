"""The studio as an ASGI app: its route table, one page module each (`studio/pages/`), over the state
every page shares (`studio/state.py`). A route parses the request and calls the library (load_content,
build, render_page, read_aloud, new_guide…); nothing here knows how a guide is validated or built."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.routing import Route

from outreach.project import Project
from outreach.studio import results
from outreach.studio.pages import builds as building
from outreach.studio.pages import editor, errors, files, guides, recordings, saving
from outreach.studio.security import Gate, GuardMiddleware, Refused
from outreach.studio.state import COMMUNE_SCHEMA, GUIDE_SCHEMA, STUDIO_DIR, Doc, Studio

__all__ = ["COMMUNE_SCHEMA", "GUIDE_SCHEMA", "STUDIO_DIR", "Doc", "Studio", "create_app"]


def create_app(project: Project, guard: Gate, builds: Any = None) -> Any:
    """The studio as an ASGI app, behind its guard (the token's, or the province server's sign-in);
    its builds run in a thread of this process unless `builds` runs them elsewhere (a queue)."""
    studio = Studio(project, guard, builds)
    routes = [
        Route("/", guides.guides_page),
        Route("/guides", guides.new_guide, methods=["POST"]),
        Route("/guides/{slug}", editor.guide_page),
        Route("/guides/{slug}", saving.save, methods=["POST"]),
        Route("/guides/{slug}/raw", saving.save_raw, methods=["POST"]),
        Route("/guides/{slug}/check", saving.check, methods=["POST"]),
        Route("/guides/{slug}/library", saving.library_choice, methods=["POST"]),
        Route("/commune/check", saving.check, methods=["POST"]),
        Route("/commune", editor.commune_page),
        Route("/commune", saving.save, methods=["POST"]),
        Route("/commune/raw", saving.save_raw, methods=["POST"]),
        Route("/guides/{slug}/recordings/{section}", recordings.take_file),
        Route("/guides/{slug}/recordings/{section}", recordings.store_take, methods=["POST"]),
        Route("/guides/{slug}/recordings/{section}/delete", recordings.delete_take, methods=["POST"]),
        Route("/commune/recordings/{section}", recordings.take_file),
        Route("/commune/recordings/{section}", recordings.store_take, methods=["POST"]),
        Route("/commune/recordings/{section}/delete", recordings.delete_take, methods=["POST"]),
        Route("/preview/{slug}/{name}", files.preview_file),
        Route("/files/{path:path}", files.build_file),
        Route("/icons/{name}.svg", files.icon_file),
        Route("/static/{path:path}", files.static_file),
        Route("/build", building.start_build, methods=["POST"]),
        Route("/build/{number:int}", building.build_page),
        Route("/build/{number:int}/events", building.build_events),
        *results.ROUTES,
    ]
    app = Starlette(routes=routes, exception_handlers={Refused: errors.refused, HTTPException: errors.http_error,
                                                       Exception: errors.unexpected})
    app.state.studio = studio
    return GuardMiddleware(app, guard, studio.refusal)
