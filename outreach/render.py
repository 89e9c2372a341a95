"""Guide + commune → HTML for each printed product, from the commune-editable Jinja templates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

import jinja2

from outreach import assets, script
from outreach.project import Project
from outreach.model import Commune, Guide
from outreach.timing import stage


@dataclass(frozen=True)
class Product:
    """One printed output of a guide."""

    name: str          # file stem in build/<slug>/
    template: str
    one_page: bool     # must fit exactly one page (text shrinks a little before giving up)
    first_scale: float = 1.0  # where the search for the largest type that fits starts


PRODUCTS = (
    # Five of the six sample guides need the handout's type at 95 % or less: the search starts there.
    Product("handout", "handout.html.j2", one_page=True, first_scale=0.95),
    Product("handout-large", "handout-large.html.j2", one_page=False),
    Product("poster", "poster.html.j2", one_page=True),
)
# Built after the meeting clips, whose durations it lists.
FACILITATOR = Product("facilitator", "facilitator.html.j2", one_page=False)


def template_environment(project: Project) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(project.templates_dir),
        # select_autoescape matches by suffix; ".html.j2" must be listed or nothing is escaped.
        autoescape=jinja2.select_autoescape(["html", "xml", "html.j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["vn_date"] = vn_date
    env.filters["short_url"] = short_url
    env.filters["sentence"] = script.sentence
    env.filters["lower_first"] = script.lower_first
    return env


def render_html(env: jinja2.Environment, project: Project, product: Product, guide: Guide,
                commune: Commune, scale: float = 1.0, clips: list[dict] | None = None) -> str:
    """The HTML of one product; `scale` shrinks type for one-page products that overflow."""
    portal = guide.portal_url or commune.portal_url
    with stage("html"):
        return env.get_template(product.template).render(
            guide=guide,
            commune=commune,
            portal_url=portal,
            qr=assets.qr_data_uri(portal),
            icon=lambda name: assets.icon_url(project.icons_dir, name),
            image=lambda rel: assets.image_data_uri(project.content_dir / rel),
            scale=scale,
            clips=clips or [],
        )


def vn_date(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def short_url(url: str) -> str:
    """The address as printed under a QR code: no scheme, no trailing slash."""
    parts = urlsplit(url)
    return (parts.netloc + parts.path).rstrip("/")
