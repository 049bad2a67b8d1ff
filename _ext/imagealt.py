"""Every figure of the book gets the alt text its code recorded.

A figure of the package carries a description written from what it draws (``cnnbook.plot``);
when a notebook shows it, IPython stores that text in the output's metadata, ``{"image/png":
{"alt": ...}}``. myst-nb reads an image's ``alt`` only from the cell's ``mystnb`` metadata, so
without this extension every figure would get its file's path as alt text. Here the image node
myst-nb makes for an output takes the ``alt`` of that output's metadata, unless the cell sets
one itself.
"""

from __future__ import annotations

from docutils import nodes
from myst_nb.core.render import NbElementRenderer
from sphinx.errors import ExtensionError


def output_alt(data) -> str | None:
    """The alt text stored with an output's image (``data``: myst-nb's ``MimeData``)."""
    alt = data.output_metadata.get(data.mime_type, {}).get("alt")
    return " ".join(alt.split()) if isinstance(alt, str) and alt.strip() else None


def with_output_alt(render_image):
    """``NbElementRenderer.render_image`` that also sets each image's alt from the output."""

    def render(self, data):
        result = render_image(self, data)
        alt = output_alt(data)
        for node in result:
            if alt and isinstance(node, nodes.image) and not node.get("alt"):
                node["alt"] = alt
        return result

    render.wraps_render_image = True
    return render


def setup(app):
    render_image = getattr(NbElementRenderer, "render_image", None)
    if render_image is None:
        raise ExtensionError("imagealt: myst-nb's renderer has no render_image to extend")
    if not getattr(render_image, "wraps_render_image", False):  # once, however many builds
        NbElementRenderer.render_image = with_output_alt(render_image)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
