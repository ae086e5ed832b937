"""Demo only: photos of good practices for the inspection package.

The demo office's results carry no evidence files, so the demo flow attaches three small
placeholder pictures shipped in ``demo/photos/`` (drawn once with Pillow by ``make()``; they
are illustrations, not real photos) to the round-1 results of three indicators, through
``core/evidence.py`` exactly as an imported evidence file would be stored.

    python -m tidtam.demo.photos [--db URL] [--period 2570R1]
"""
from __future__ import annotations

import argparse
from pathlib import Path

from sqlalchemy import select

PHOTOS = Path(__file__).parent / "photos"
# file -> indicator code of the inspection frame whose round result it illustrates
ATTACH = {
    "good-practice-1.1.jpg": "1.1",
    "good-practice-2.1.jpg": "2.1",
    "good-practice-5.1.png": "5.1",
}
CAPTIONS = {
    "good-practice-1.1.jpg": ("ภาพสาธิต", "ชุดฝึกแจกลูกสะกดคำ", (74, 130, 194)),
    "good-practice-2.1.jpg": ("ภาพสาธิต", "แผนที่จุดเสี่ยงรอบโรงเรียน", (46, 139, 87)),
    "good-practice-5.1.png": ("ภาพสาธิต", "แกนนำห้องเรียนสีขาว", (192, 57, 43)),
}


def attach(db_url: str | None = None, period_id: str = "2570R1") -> list[str]:
    """Attach each demo photo to its indicator's result; a photo already attached is skipped."""
    from tidtam.core import models as m
    from tidtam.core.app import App
    from tidtam.core.evidence import add_evidence

    app = App(db_url)
    done = []
    with app.db.session(actor="demo") as session:
        office = app.office(session)
        for filename, code in ATTACH.items():
            result = session.scalars(
                select(m.InspectionResult).join(m.InspectionIndicator).join(m.InspectionPoint).join(m.InspectionPolicy)
                .where(m.InspectionPolicy.office_id == office.id, m.InspectionIndicator.code == code,
                       m.InspectionResult.period == period_id)).one_or_none()
            if result is None:
                continue
            present = session.scalars(select(m.EvidenceFile).where(
                m.EvidenceFile.inspection_result_id == result.id, m.EvidenceFile.filename == filename)).first()
            if present is None:
                add_evidence(session, office, PHOTOS / filename, inspection_result=result)
                done.append(f"{code}: {filename}")
    return done


def make() -> None:
    """Draw the placeholders (run once by a developer; the files are committed)."""
    from PIL import Image, ImageDraw, ImageFont

    font_path = "/usr/share/fonts/truetype/tlwg/Laksaman-Bold.ttf"
    PHOTOS.mkdir(exist_ok=True)
    for filename, (tag, caption, colour) in CAPTIONS.items():
        image = Image.new("RGB", (960, 640), (235, 240, 246))
        draw = ImageDraw.Draw(image)
        for y in range(640):  # a soft sky-to-ground gradient
            shade = int(40 * y / 640)
            draw.line([(0, y), (960, y)], fill=(225 - shade, 235 - shade, 246 - shade // 2))
        draw.rectangle([0, 430, 960, 640], fill=(196, 180, 140))
        draw.polygon([(180, 430), (330, 250), (480, 430)], fill=colour)
        draw.rectangle([520, 300, 800, 430], fill=colour)
        draw.rectangle([600, 350, 660, 430], fill=(250, 250, 250))
        draw.ellipse([760, 60, 880, 180], fill=(250, 210, 80))
        big, small = ImageFont.truetype(font_path, 64), ImageFont.truetype(font_path, 40)
        draw.text((40, 470), caption, font=big, fill=(30, 30, 30))
        draw.text((40, 560), tag, font=small, fill=(90, 90, 90))
        image.save(PHOTOS / filename, quality=80) if filename.endswith(".jpg") else image.save(PHOTOS / filename)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None)
    parser.add_argument("--period", default="2570R1")
    args = parser.parse_args()
    done = attach(args.db, args.period)
    print(f"แนบภาพแนวปฏิบัติที่ดี {len(done)} ภาพ" + (": " + ", ".join(done) if done else " (แนบไว้แล้ว)"))


if __name__ == "__main__":
    main()
