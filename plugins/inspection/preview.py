"""What the dry-run page shows of the package under its table of messages (hook preview_section):
every message whole, every file with its sha256, the indicators, and the photos as sent."""
from __future__ import annotations

import base64
import io
import zipfile
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from .package import Package, encoded_size, load, package_dir

TEMPLATES = Path(__file__).parent / "templates"


def preview_section(period, payloads, mapping, office) -> Markup:
    package = load(package_dir(office.code, period.id))
    parts = [{"data": p.data, "encoded": sum(encoded_size(f["size"]) for f in p.data["attachments"])} for p in payloads]
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    return Markup(env.get_template("preview_section.html.j2").render(
        parts=parts, package=package, manifest=package.manifest, mapping=mapping, photos=_photos(package)))


def _photos(package: Package, limit: int = 12) -> list[dict]:
    """Thumbnails of the images inside the evidence zips, exactly as they will be sent."""
    from PIL import Image

    out = []
    for f in [f for f in package.files if f.kind == "evidence"]:
        with zipfile.ZipFile(package.folder / f.name) as archive:
            for info in archive.infolist():
                if len(out) >= limit or not info.filename.lower().endswith((".jpg", ".jpeg", ".png")):
                    continue
                try:
                    with Image.open(io.BytesIO(archive.read(info))) as image:
                        image = image.convert("RGB")
                        image.thumbnail((320, 320))
                        buffer = io.BytesIO()
                        image.save(buffer, "JPEG", quality=80)
                except OSError:
                    continue
                out.append({"name": info.filename, "zip": f.name,
                            "src": "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()})
    return out
