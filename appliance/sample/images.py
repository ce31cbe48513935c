"""Flat-design illustrations for the built-in sample site.

``draw(theme)`` returns a JPEG of a simple scene (fields, rivers, a pagoda, a
festival night...) drawn with Pillow. Drawing is deterministic: the same theme
and size always give the same bytes. Images hold no text, so one picture
serves all three languages; ``THEMES`` gives the alt text in vi, en and km
(the Khmer alt text awaits review by a Khmer speaker, like all sample Khmer).
"""

from __future__ import annotations

import io
import math
import random
import zlib
from collections.abc import Callable, Sequence

from PIL import Image, ImageDraw

__all__ = ["THEMES", "draw"]

THEMES: dict[str, dict[str, str]] = {
    "rice-field": {
        "vi": "Cánh đồng lúa chín vàng, máy gặt và hàng thốt nốt dưới nắng sớm",
        "en": "Golden rice fields with a combine harvester and a row of sugar palms",
        "km": "វាលស្រែស្រូវទុំពណ៌មាស ម៉ាស៊ីនច្រូតស្រូវ និងជួរដើមត្នោត",
    },
    "river": {
        "vi": "Dòng sông rộng với cống ngăn mặn, ghe thuyền và hàng dừa ven bờ",
        "en": "A wide river with a salinity-control sluice, boats and bank-side palms",
        "km": "ទន្លេធំមានទ្វារទឹកការពារទឹកប្រៃ ទូក និងដើមដូងតាមមាត់ច្រាំង",
    },
    "bridge": {
        "vi": "Cây cầu dây văng bắc qua kênh, xe cộ và sà lan qua lại",
        "en": "A cable-stayed bridge over a canal, with traffic and a barge",
        "km": "ស្ពានខ្សែកាបឆ្លងកាត់ប្រឡាយ មានយានយន្ត និងនាវាធ្វើចរាចរណ៍",
    },
    "festival": {
        "vi": "Đêm trăng rằm với ghe Ngo, đèn nước trên sông và chùa Khmer",
        "en": "A full-moon night with Ngo boats, floating lanterns and a Khmer pagoda",
        "km": "យប់ពេញបូណ៌មី ទូកង ប្រទីបអណ្តែតលើទន្លេ និងវត្តខ្មែរ",
    },
    "pagoda": {
        "vi": "Ngôi chùa Khmer mái nhiều tầng giữa hàng thốt nốt",
        "en": "A Khmer pagoda with a tiered roof among sugar palms",
        "km": "វត្តខ្មែរដែលមានដំបូលច្រើនជាន់ នៅចំកណ្តាលដើមត្នោត",
    },
    "digital": {
        "vi": "Điện thoại hiển thị dịch vụ công trực tuyến, kết nối mạng dữ liệu",
        "en": "A phone showing online public services, linked to a data network",
        "km": "ទូរស័ព្ទបង្ហាញសេវាសាធារណៈតាមអនឡាញ ភ្ជាប់ជាមួយបណ្តាញទិន្នន័យ",
    },
    "flood": {
        "vi": "Mùa nước nổi: nhà sàn, cây và xuồng giữa đồng ngập nước",
        "en": "Flood season: stilt houses, trees and a small boat on flooded fields",
        "km": "រដូវទឹកឡើង៖ ផ្ទះឈើខ្ពស់ ដើមឈើ និងទូកតូចលើវាលស្រែលិចទឹក",
    },
    "island": {
        "vi": "Đảo xanh với bãi cát, hàng dừa và thuyền đánh cá trên biển",
        "en": "A green island with a sandy beach, coconut palms and fishing boats",
        "km": "កោះបៃតងមានឆ្នេរខ្សាច់ ដើមដូង និងទូកនេសាទលើសមុទ្រ",
    },
    "city": {
        "vi": "Đô thị ven biển với nhà cao tầng, hàng cây và mặt nước",
        "en": "A coastal town with tall buildings, trees and the waterfront",
        "km": "ទីក្រុងតាមឆ្នេរសមុទ្រ មានអគារខ្ពស់ៗ ដើមឈើ និងផ្ទៃទឹក",
    },
    "health": {
        "vi": "Biểu tượng y tế, trạm y tế và lu nước có nắp đậy",
        "en": "A health symbol, a health station and a covered water jar",
        "km": "និមិត្តសញ្ញាសុខាភិបាល មណ្ឌលសុខភាព និងពាងទឹកមានគម្រប",
    },
    "market": {
        "vi": "Phiên chợ nông sản với mái che sọc và ghe chở hàng",
        "en": "A produce market with striped awnings and boats loaded with goods",
        "km": "ផ្សារកសិផលមានដំបូលឆ្នូត និងទូកដឹកទំនិញ",
    },
    "school": {
        "vi": "Ngôi trường có cột cờ, sân trường và xe đạp",
        "en": "A school with a flagpole, a schoolyard and bicycles",
        "km": "សាលារៀនមានបង្គោលទង់ជាតិ ទីធ្លាសាលា និងកង់",
    },
    "mountain": {
        "vi": "Ngọn núi xanh với ngôi đền trên đỉnh, cánh đồng và thốt nốt",
        "en": "A green hill with a temple at the top, fields and sugar palms",
        "km": "ភ្នំបៃតងមានប្រាសាទនៅលើកំពូល វាលស្រែ និងដើមត្នោត",
    },
    "office": {
        "vi": "Trụ sở cơ quan hành chính với cột cờ, bậc thềm và cây xanh",
        "en": "A public administration building with a flagpole, steps and trees",
        "km": "អគាររដ្ឋបាលសាធារណៈ មានបង្គោលទង់ជាតិ ជណ្តើរ និងដើមឈើ",
    },
}

_SS = 2  # supersampling factor: draw large, then downscale for smooth edges

# A calm palette that sits well next to a government site's blues.
_C = {
    "sky": "#cfe5f0",
    "sky_low": "#f6eedb",
    "sun": "#f5c75a",
    "cloud": "#ffffff",
    "navy": "#1f4e79",
    "blue": "#2f6f9f",
    "water": "#4f9cc0",
    "water_low": "#2e7aa3",
    "ripple": "#9fd0e3",
    "teal": "#2a7f8f",
    "green_dark": "#2f6b45",
    "green": "#4f8f4a",
    "green_light": "#86b464",
    "green_pale": "#b8d48e",
    "gold": "#e4c35e",
    "gold_dark": "#c9a23d",
    "straw": "#f1e2b3",
    "earth": "#a8774a",
    "wood": "#7a5234",
    "wood_dark": "#5a3a25",
    "wall": "#f7f3ea",
    "wall_shade": "#e4dccb",
    "window": "#9cc6dd",
    "roof": "#c8553d",
    "roof_dark": "#a3432f",
    "red": "#c8322b",
    "star": "#f7d046",
    "grey": "#7d8791",
    "grey_dark": "#4a535c",
    "sand": "#efdcae",
}


def _rgb(color: str) -> tuple[int, int, int]:
    c = color.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def _mix(a: str, b: str, t: float) -> tuple[int, int, int]:
    (r1, g1, b1), (r2, g2, b2) = _rgb(a), _rgb(b)
    return (round(r1 + (r2 - r1) * t), round(g1 + (g2 - g1) * t),
            round(b1 + (b2 - b1) * t))


class _Canvas:
    """Drawing helpers in relative units: x is a fraction of the width, y of
    the height; round things (radius r) are sized as a fraction of the height."""

    def __init__(self, width: int, height: int, seed: int) -> None:
        self.w, self.h = width * _SS, height * _SS
        self.img = Image.new("RGBA", (self.w, self.h), _C["sky"])
        self.d = ImageDraw.Draw(self.img)
        self.rng = random.Random(seed)

    # geometry -----------------------------------------------------------
    def p(self, x: float, y: float) -> tuple[float, float]:
        return x * self.w, y * self.h

    def lw(self, t: float) -> int:
        """A line width given as a fraction of the height."""
        return max(1, round(t * self.h))

    # primitives ---------------------------------------------------------
    def gradient(self, y0: float, y1: float, top: str, bottom: str) -> None:
        a, b = round(y0 * self.h), round(y1 * self.h)
        for yy in range(a, b):
            t = (yy - a) / max(1, b - a - 1)
            self.d.line([(0, yy), (self.w, yy)], fill=_mix(top, bottom, t))

    def rect(self, x0: float, y0: float, x1: float, y1: float, fill) -> None:
        x0, x1 = sorted((x0, x1))
        y0, y1 = sorted((y0, y1))
        self.d.rectangle([*self.p(x0, y0), *self.p(x1, y1)], fill=fill)

    def rrect(self, x0, y0, x1, y1, r: float, fill) -> None:
        self.d.rounded_rectangle(
            [*self.p(x0, y0), *self.p(x1, y1)], radius=r * self.h, fill=fill
        )

    def poly(self, pts: Sequence[tuple[float, float]], fill) -> None:
        self.d.polygon([self.p(x, y) for x, y in pts], fill=fill)

    def line(self, pts: Sequence[tuple[float, float]], fill, width: float) -> None:
        self.d.line([self.p(x, y) for x, y in pts], fill=fill, width=self.lw(width))

    def circle(self, x: float, y: float, r: float, fill) -> None:
        cx, cy = self.p(x, y)
        rr = r * self.h
        self.d.ellipse([cx - rr, cy - rr, cx + rr, cy + rr], fill=fill)

    def ellipse(self, x: float, y: float, rx: float, ry: float, fill) -> None:
        """rx and ry both as fractions of the height."""
        cx, cy = self.p(x, y)
        self.d.ellipse(
            [cx - rx * self.h, cy - ry * self.h, cx + rx * self.h, cy + ry * self.h],
            fill=fill,
        )

    def translucent(self, paint: Callable[[ImageDraw.ImageDraw], None]) -> None:
        """Paint on a transparent layer and blend it in (for glows, shadows)."""
        layer = Image.new("RGBA", self.img.size, (0, 0, 0, 0))
        paint(ImageDraw.Draw(layer))
        self.img.alpha_composite(layer)

    # scenery ------------------------------------------------------------
    def sky(self, top=_C["sky"], bottom=_C["sky_low"], horizon=0.62) -> None:
        self.gradient(0, horizon + 0.01, top, bottom)

    def sun(self, x: float, y: float, r: float, color=_C["sun"]) -> None:
        cx, cy = self.p(x, y)

        def halo(d: ImageDraw.ImageDraw) -> None:
            rgb = _rgb(color)
            for k, alpha in ((2.4, 28), (1.8, 40), (1.35, 60)):
                rr = r * k * self.h
                d.ellipse([cx - rr, cy - rr, cx + rr, cy + rr], fill=(*rgb, alpha))

        self.translucent(halo)
        self.circle(x, y, r, color)

    def cloud(self, x: float, y: float, s: float, color=_C["cloud"]) -> None:
        """A flat-bottomed cloud whose left edge is at x."""
        span = 0.24 * s * self.h / self.w
        self.rrect(x, y - 0.01 * s, x + span, y + 0.05 * s, 0.03 * s, color)
        for fx, dy, r in ((0.28, 0.005, 0.045), (0.55, -0.02, 0.065),
                          (0.8, 0.01, 0.04)):
            self.circle(x + span * fx, y + dy * s, r * s, color)

    def glow(self, x: float, y: float, r: float, rgba: tuple[int, int, int, int]
             ) -> None:
        cx, cy = self.p(x, y)
        rr = r * self.h
        self.translucent(lambda d: d.ellipse([cx - rr, cy - rr, cx + rr, cy + rr],
                                             fill=rgba))

    def hills(self, base: float, amp: float, color, waves: int = 3,
              freq: float = 1.0, top: float | None = None) -> None:
        phases = [self.rng.uniform(0, math.tau) for _ in range(waves)]
        pts = [(0.0, 1.0)]
        steps = 240
        for i in range(steps + 1):
            x = i / steps
            v = sum(
                math.sin(x * math.tau * freq * (k + 1) * 0.7 + phases[k]) / (k + 1)
                for k in range(waves)
            )
            y = base - amp * (0.5 + 0.35 * v)
            if top is not None:
                y = max(y, top)
            pts.append((x, y))
        pts.append((1.0, 1.0))
        self.poly(pts, color)

    def water(self, y0: float, y1: float = 1.0, top=_C["water"],
              bottom=_C["water_low"], ripples: int = 40) -> None:
        self.gradient(y0, y1, top, bottom)
        for _ in range(ripples):
            x = self.rng.uniform(0.0, 0.97)
            y = self.rng.uniform(y0 + 0.02, y1 - 0.01)
            ln = self.rng.uniform(0.02, 0.06) * (0.5 + (y - y0) / max(0.01, y1 - y0))
            self.line([(x, y), (x + ln, y)], _C["ripple"], 0.004)

    def sugar_palm(self, x: float, base: float, h: float, color=None,
                   crown=None) -> None:
        """The thốt nốt: a straight trunk and a round crown of fan leaves."""
        trunk = color or _C["wood"]
        leaf = crown or _C["green_dark"]
        tw = h * 0.035 * self.h / self.w
        self.poly([(x - tw, base), (x + tw, base), (x + tw * 0.7, base - h),
                   (x - tw * 0.7, base - h)], trunk)
        cy = base - h
        r = h * 0.24
        aspect = self.h / self.w
        # a skirt of dry leaves under the crown, then a round crown of fans
        self.poly([(x - r * 0.4 * aspect, cy), (x + r * 0.4 * aspect, cy),
                   (x + r * 0.18 * aspect, cy + r * 0.85),
                   (x - r * 0.18 * aspect, cy + r * 0.85)],
                  color or _C["wood_dark"])
        pts = []
        n = 34
        for i in range(n):
            a = math.tau * i / n
            rr = r * (1.0 if i % 2 == 0 else 0.74)
            pts.append((x + math.cos(a) * rr * aspect, cy + math.sin(a) * rr * 0.82))
        self.poly(pts, leaf)
        if crown is None:
            self.ellipse(x - r * 0.15 * aspect, cy - r * 0.18, r * 0.36, r * 0.26,
                         "#3f7a4c")

    def coconut(self, x: float, base: float, h: float, lean: float = 0.03,
                trunk=_C["wood"], leaf=_C["green_light"]) -> None:
        """A coconut palm with a gently curved trunk and drooping fronds."""
        segs = 12
        pts = []
        for i in range(segs + 1):
            t = i / segs
            pts.append((x + lean * t * t, base - h * t))
        self.line(pts, trunk, h * 0.05)
        tx, ty = pts[-1]
        aspect = self.h / self.w
        for ang in (-160, -125, -95, -60, -25, 15, 195):
            a = math.radians(ang)
            frond = []
            for k in range(9):
                s = k / 8
                fx = tx + math.cos(a) * h * 0.45 * s * aspect
                fy = ty + math.sin(a) * h * 0.45 * s + (h * 0.22) * s * s
                frond.append((fx, fy))
            self.line(frond, leaf, h * 0.06)
        self.circle(tx, ty + h * 0.02, h * 0.04, _C["wood_dark"])

    def tree(self, x: float, base: float, h: float, color=_C["green"],
             trunk=_C["wood"]) -> None:
        aspect = self.h / self.w
        self.rect(x - h * 0.04 * aspect, base - h * 0.45, x + h * 0.04 * aspect,
                  base, trunk)
        self.ellipse(x, base - h * 0.68, h * 0.32, h * 0.32, color)
        self.ellipse(x - h * 0.18 * aspect, base - h * 0.55, h * 0.2, h * 0.18, color)
        self.ellipse(x + h * 0.2 * aspect, base - h * 0.58, h * 0.22, h * 0.2, color)

    def boat(self, x: float, y: float, w: float, hull=_C["wood_dark"],
             cabin=_C["wall"], roof=_C["teal"]) -> None:
        h = w * self.w / self.h * 0.16
        self.poly([(x - w / 2, y - h), (x + w / 2, y - h * 1.2),
                   (x + w * 0.38, y), (x - w * 0.4, y)], hull)
        self.rect(x - w * 0.16, y - h * 2.3, x + w * 0.16, y - h * 1.05, cabin)
        self.poly([(x - w * 0.2, y - h * 2.2), (x + w * 0.2, y - h * 2.2),
                   (x + w * 0.16, y - h * 2.7), (x - w * 0.16, y - h * 2.7)], roof)
        self.translucent(lambda d: d.ellipse(
            [*self.p(x - w * 0.45, y + h * 0.1), *self.p(x + w * 0.45, y + h * 0.7)],
            fill=(20, 50, 80, 50)))

    def building(self, x0: float, base: float, w: float, h: float, color,
                 window=_C["window"], cols: int = 3, rows: int = 4,
                 roof=None) -> None:
        self.rect(x0, base - h, x0 + w, base, color)
        if roof:
            self.rect(x0 - w * 0.04, base - h - 0.012, x0 + w * 1.04, base - h, roof)
        gx, gy = w / (cols * 2 + 1), h / (rows * 2 + 1)
        for c in range(cols):
            for r in range(rows):
                wx = x0 + gx * (2 * c + 1)
                wy = base - h + gy * (2 * r + 1)
                self.rect(wx, wy, wx + gx, wy + gy * 0.9, window)

    def flag(self, x: float, top: float, pole_h: float, size: float) -> None:
        """Flag pole with the national flag (red field, yellow star)."""
        self.line([(x, top), (x, top + pole_h)], _C["grey_dark"], 0.006)
        fw = size * 1.5 * self.h / self.w
        self.rect(x, top, x + fw, top + size, _C["red"])
        self.star(x + fw / 2, top + size / 2, size * 0.3, _C["star"])

    def star(self, x: float, y: float, r: float, color) -> None:
        pts = []
        for i in range(10):
            a = -math.pi / 2 + i * math.pi / 5
            rr = r if i % 2 == 0 else r * 0.4
            pts.append((x + math.cos(a) * rr * self.h / self.w, y + math.sin(a) * rr))
        self.poly(pts, color)

    def person(self, x: float, base: float, h: float, shirt=_C["blue"],
               hat=True) -> None:
        aspect = self.h / self.w
        self.rect(x - h * 0.12 * aspect, base - h * 0.45, x + h * 0.12 * aspect,
                  base, _C["grey_dark"])
        self.poly([(x - h * 0.17 * aspect, base - h * 0.4),
                   (x + h * 0.17 * aspect, base - h * 0.4),
                   (x + h * 0.14 * aspect, base - h * 0.8),
                   (x - h * 0.14 * aspect, base - h * 0.8)], shirt)
        self.circle(x, base - h * 0.88, h * 0.1, "#d9a27a")
        if hat:  # the nón lá, a conical hat
            self.poly([(x - h * 0.24 * aspect, base - h * 0.9),
                       (x + h * 0.24 * aspect, base - h * 0.9),
                       (x, base - h * 1.12)], _C["straw"])

    def to_jpeg(self, width: int, height: int) -> bytes:
        out = self.img.convert("RGB").resize((width, height), Image.LANCZOS)
        buf = io.BytesIO()
        out.save(buf, "JPEG", quality=86, optimize=True, progressive=True)
        return buf.getvalue()


# scenes -------------------------------------------------------------------

def _rice_field(c: _Canvas) -> None:
    c.sky(horizon=0.55)
    c.sun(0.8, 0.2, 0.075)
    c.cloud(0.12, 0.16, 1.0)
    c.cloud(0.5, 0.1, 0.7)
    c.hills(0.56, 0.035, "#6f9a62", freq=3)
    for i in range(24):
        c.ellipse(i * 0.045 + c.rng.uniform(0, 0.02), 0.55,
                  0.03 + c.rng.uniform(0, 0.02), 0.022, "#5c8a55")
    for i in range(11):
        x = 0.04 + i * 0.095 + c.rng.uniform(-0.02, 0.02)
        c.sugar_palm(x, 0.55, c.rng.uniform(0.14, 0.22), crown="#3f6e4a")
    c.rect(0, 0.55, 1, 1, _C["gold"])
    colors = [_C["gold"], _C["green_pale"], _C["gold_dark"], _C["gold"],
              _C["green_light"], _C["gold"]]
    y = 0.55
    for i, col in enumerate(colors):
        hh = 0.025 + i * 0.014
        tilt = 0.02 if i % 2 else -0.015
        c.poly([(0, y), (1, y + tilt), (1, y + tilt + hh + 0.01), (0, y + hh)], col)
        c.line([(0, y + hh), (1, y + tilt + hh + 0.01)], _C["earth"], 0.004)
        y += hh
    c.rect(0, y, 1, 1, _C["gold"])
    for _ in range(260):
        x = c.rng.uniform(0, 1)
        yy = c.rng.uniform(max(0.8, y), 1.0)
        c.line([(x, yy), (x + 0.004, yy - 0.035)], _C["gold_dark"], 0.003)
    # combine harvester
    hx, hy = 0.3, 0.77
    c.rrect(hx - 0.08, hy - 0.12, hx + 0.05, hy - 0.02, 0.01, "#d9822b")
    c.rrect(hx - 0.06, hy - 0.19, hx + 0.0, hy - 0.11, 0.008, "#e9e4d8")
    c.rect(hx - 0.05, hy - 0.175, hx - 0.01, hy - 0.13, _C["window"])
    c.rect(hx + 0.05, hy - 0.06, hx + 0.07, hy - 0.02, _C["grey_dark"])
    c.poly([(hx + 0.07, hy - 0.08), (hx + 0.11, hy - 0.07), (hx + 0.11, hy),
            (hx + 0.07, hy - 0.01)], _C["gold_dark"])
    c.line([(hx - 0.07, hy - 0.12), (hx - 0.11, hy - 0.2)], "#d9822b", 0.014)
    c.rrect(hx - 0.085, hy - 0.03, hx + 0.06, hy + 0.01, 0.02, _C["grey_dark"])
    for k in range(5):
        c.circle(hx - 0.07 + k * 0.031, hy - 0.01, 0.012, _C["grey"])
    c.person(0.66, 0.86, 0.13, shirt=_C["teal"])
    c.person(0.73, 0.88, 0.12, shirt=_C["blue"])


def _river(c: _Canvas) -> None:
    c.sky(horizon=0.5)
    c.sun(0.2, 0.2, 0.07)
    c.cloud(0.58, 0.12, 0.9)
    c.hills(0.5, 0.03, "#5f8f5c", freq=2)
    for i in range(9):
        c.coconut(0.03 + i * 0.06, 0.5, 0.11 + 0.03 * (i % 3), lean=0.01)
    c.water(0.5, 1.0)
    # a dyke running across the water with a salinity-control sluice in it
    top, foot = 0.58, 0.64
    c.poly([(0.28, foot), (0.33, top), (0.45, top), (0.45, foot)], _C["earth"])
    c.poly([(0.8, foot), (0.8, top), (1, top - 0.02), (1, foot)], _C["earth"])
    c.rect(0.33, top - 0.012, 0.45, top, _C["green"])
    c.poly([(0.8, top), (1, top - 0.02), (1, top - 0.032), (0.8, top - 0.012)],
           _C["green"])
    for i in range(3):
        c.tree(0.86 + i * 0.06, top - 0.01, 0.1, color=_C["green_dark"])
    c.rect(0.45, top - 0.005, 0.8, foot, "#d9d4c7")
    for k in range(5):
        x = 0.45 + k * 0.0875
        c.rect(x - 0.01, 0.44, x + 0.01, foot, "#ece8de")
        c.rect(x - 0.014, 0.425, x + 0.014, 0.45, _C["navy"])
        if k < 4:
            c.rect(x + 0.01, 0.5, x + 0.0775, 0.6, _C["teal"])
            for yy in (0.53, 0.565):
                c.line([(x + 0.01, yy), (x + 0.0775, yy)], "#23707e", 0.004)
    c.rect(0.44, 0.41, 0.81, 0.43, "#c9c3b4")
    c.translucent(lambda d: d.rectangle(
        [*c.p(0.3, foot), *c.p(1, foot + 0.04)], fill=(15, 50, 80, 60)))
    c.boat(0.4, 0.86, 0.18)
    c.boat(0.82, 0.9, 0.14, roof=_C["roof"])
    # near bank
    c.poly([(0, 0.9), (0.22, 0.93), (0.34, 1), (0, 1)], _C["green"])
    c.coconut(0.07, 0.97, 0.32, lean=0.04)


def _bridge(c: _Canvas) -> None:
    c.sky(horizon=0.62)
    c.sun(0.85, 0.18, 0.06)
    c.cloud(0.1, 0.12, 0.8)
    c.cloud(0.45, 0.2, 0.6)
    c.hills(0.62, 0.05, "#8db07a", freq=1.5)
    c.hills(0.64, 0.03, "#6a9a60", freq=3)
    c.water(0.64, 1.0)
    deck = 0.6
    # pylons (A-shape) and cables
    for px in (0.33, 0.67):
        top = 0.16
        for k in range(9):
            t = (k + 1) / 9
            c.line([(px, top + 0.04), (px - 0.31 * t, deck)], "#f2f2ee", 0.003)
            c.line([(px, top + 0.04), (px + 0.165 * t, deck)], "#f2f2ee", 0.003)
        c.poly([(px - 0.02, deck + 0.2), (px - 0.006, top), (px + 0.006, top),
                (px + 0.02, deck + 0.2), (px + 0.01, deck + 0.2), (px, top + 0.1),
                (px - 0.01, deck + 0.2)], "#e9e5da")
        c.rect(px - 0.008, top - 0.01, px + 0.008, top + 0.06, "#d6d0c2")
    c.rect(0, deck, 1, deck + 0.03, "#d9d4c7")
    c.rect(0, deck + 0.03, 1, deck + 0.04, _C["navy"])
    for x in (0.12, 0.88):
        c.rect(x - 0.012, deck + 0.04, x + 0.012, 0.78, "#cfc9bb")
    # traffic on the deck
    for x, col in ((0.2, _C["red"]), (0.46, _C["blue"]), (0.58, _C["gold"]),
                   (0.8, "#ffffff")):
        c.rrect(x - 0.02, deck - 0.025, x + 0.02, deck, 0.006, col)
    c.translucent(lambda d: d.rectangle(
        [*c.p(0, deck + 0.05), *c.p(1, deck + 0.1)], fill=(15, 50, 80, 40)))
    # barge
    c.poly([(0.38, 0.84), (0.72, 0.84), (0.69, 0.89), (0.4, 0.89)], _C["wood_dark"])
    c.poly([(0.42, 0.84), (0.5, 0.79), (0.6, 0.79), (0.66, 0.84)], _C["gold"])
    c.rect(0.68, 0.78, 0.71, 0.84, _C["wall"])
    # banks
    c.poly([(0, 0.7), (0.12, 0.72), (0.2, 1), (0, 1)], _C["green"])
    c.poly([(1, 0.72), (0.9, 0.74), (0.82, 1), (1, 1)], _C["green"])
    c.tree(0.05, 0.8, 0.16, color=_C["green_dark"])
    c.sugar_palm(0.94, 0.82, 0.22)


def _khmer_pagoda(c: _Canvas, x: float, base: float, s: float,
                  night: bool = False) -> None:
    """A Khmer pagoda (chánh điện): platform, walls, tiered roof, spire."""
    aspect = c.h / c.w
    wall = "#3c3a5e" if night else _C["wall"]
    roof = "#2c2a4a" if night else _C["roof"]
    roof2 = "#35335a" if night else _C["roof_dark"]
    gold = "#6b6490" if night else _C["gold"]
    w = 0.5 * s * aspect
    c.rect(x - w * 0.62, base - 0.06 * s, x + w * 0.62, base,
           "#2f2d4c" if night else "#d8cdb4")
    c.rect(x - w * 0.45, base - 0.24 * s, x + w * 0.45, base - 0.06 * s, wall)
    if not night:
        c.rect(x - w * 0.06, base - 0.17 * s, x + w * 0.06, base - 0.06 * s,
               _C["gold_dark"])
        for k in (0, 1, 3, 4):
            wx = x - w * 0.36 + k * w * 0.18
            c.rrect(wx - w * 0.035, base - 0.2 * s, wx + w * 0.035, base - 0.09 * s,
                    0.01 * s, _C["roof_dark"])
    # three roof tiers, each narrower and higher, with upturned naga eaves
    for i, (hw, y0, hh) in enumerate(((0.56, 0.24, 0.12), (0.42, 0.34, 0.13),
                                      (0.27, 0.45, 0.14))):
        yb = base - y0 * s
        yt = yb - hh * s
        col = roof if i % 2 == 0 else roof2
        c.poly([(x - w * hw, yb), (x + w * hw, yb), (x + w * hw * 0.35, yt),
                (x - w * hw * 0.35, yt)], col)
        c.line([(x - w * hw, yb), (x + w * hw, yb)], gold, 0.008 * s)
        for sgn in (-1, 1):
            ex = x + sgn * w * hw
            c.poly([(ex, yb), (ex + sgn * w * 0.06, yb - 0.06 * s),
                    (ex + sgn * w * 0.02, yb - 0.005 * s)], gold)
    top = base - 0.59 * s
    c.poly([(x - w * 0.05, top), (x + w * 0.05, top), (x, top - 0.14 * s)], gold)
    c.circle(x, top - 0.01 * s, 0.012 * s, gold)


def _festival(c: _Canvas) -> None:
    c.gradient(0, 0.6, "#14213f", "#3d4c7c")
    for _ in range(70):
        x, y = c.rng.uniform(0, 1), c.rng.uniform(0, 0.45)
        c.circle(x, y, c.rng.uniform(0.0015, 0.003), "#e9e6f5")
    c.sun(0.74, 0.2, 0.085, color="#f8e8b0")
    _khmer_pagoda(c, 0.26, 0.6, 0.75, night=True)
    for x in (0.05, 0.45, 0.53, 0.95):
        c.sugar_palm(x, 0.6, 0.24, color="#2a2846", crown="#2a2846")
    c.rect(0, 0.58, 1, 0.61, "#232140")
    c.gradient(0.6, 1.0, "#26365f", "#142038")
    # moon reflection
    for k in range(9):
        y = 0.63 + k * 0.035
        wdt = 0.05 - k * 0.004
        c.line([(0.74 - wdt, y), (0.74 + wdt, y)], "#d9cf9e", 0.006)
    # sky lanterns
    for _ in range(9):
        x, y = c.rng.uniform(0.35, 0.98), c.rng.uniform(0.08, 0.45)
        r = c.rng.uniform(0.012, 0.02)
        c.translucent(lambda d, x=x, y=y, r=r: d.ellipse(
            [*c.p(x - r * 1.2 * c.h / c.w, y - r * 1.5),
             *c.p(x + r * 1.2 * c.h / c.w, y + r * 1.5)], fill=(255, 190, 90, 70)))
        c.poly([(x - r * 0.5 * c.h / c.w, y - r), (x + r * 0.5 * c.h / c.w, y - r),
                (x + r * 0.35 * c.h / c.w, y + r), (x - r * 0.35 * c.h / c.w, y + r)],
               "#f6a94a")
    # floating lanterns on the river
    for _ in range(22):
        x, y = c.rng.uniform(0.02, 0.98), c.rng.uniform(0.64, 0.97)
        r = 0.006 + (y - 0.6) * 0.03
        c.translucent(lambda d, x=x, y=y, r=r: d.ellipse(
            [*c.p(x - r * 2.6 * c.h / c.w, y - r * 1.6),
             *c.p(x + r * 2.6 * c.h / c.w, y + r * 1.6)], fill=(255, 200, 100, 60)))
        c.circle(x, y, r, "#ffd27a")
    # Ngo racing boats with paddlers
    for bx, by, bw, col in ((0.3, 0.78, 0.5, "#c8553d"), (0.62, 0.9, 0.55, "#d8a43a")):
        hh = 0.02
        c.poly([(bx - bw / 2, by - 0.05), (bx - bw / 2 + 0.03, by - hh),
                (bx + bw / 2 - 0.03, by - hh), (bx + bw / 2, by - 0.055),
                (bx + bw / 2 - 0.04, by), (bx - bw / 2 + 0.04, by)], col)
        n = 16
        for k in range(n):
            px = bx - bw / 2 + 0.06 + k * (bw - 0.12) / (n - 1)
            c.circle(px, by - hh - 0.022, 0.009, "#f0e6d0")
            c.rect(px - 0.004, by - hh - 0.015, px + 0.004, by - hh, "#f0e6d0")
            c.line([(px + 0.004, by - hh - 0.01), (px + 0.014, by + 0.012)],
                   "#f0e6d0", 0.003)


def _pagoda(c: _Canvas) -> None:
    c.sky(horizon=0.74)
    c.sun(0.82, 0.2, 0.07)
    c.cloud(0.08, 0.14, 0.9)
    c.hills(0.74, 0.04, "#8db07a", freq=2)
    for x in (0.08, 0.17, 0.8, 0.9, 0.97):
        c.sugar_palm(x, 0.76, c.rng.uniform(0.3, 0.4))
    c.rect(0, 0.74, 1, 1, _C["green_light"])
    c.poly([(0.42, 1), (0.58, 1), (0.52, 0.76), (0.48, 0.76)], "#e8dcc0")
    _khmer_pagoda(c, 0.5, 0.77, 1.0)
    c.tree(0.27, 0.86, 0.2, color=_C["green"])
    c.tree(0.72, 0.88, 0.22, color=_C["green_dark"])
    for sx in (0.16, 0.84):  # small stupas flanking the yard
        c.rect(sx - 0.035, 0.86, sx + 0.035, 0.9, "#d8cdb4")
        c.rect(sx - 0.022, 0.78, sx + 0.022, 0.86, _C["wall"])
        c.ellipse(sx, 0.78, 0.045, 0.035, _C["wall"])
        c.poly([(sx - 0.008, 0.76), (sx + 0.008, 0.76), (sx, 0.66)], _C["gold"])


def _digital(c: _Canvas) -> None:
    c.gradient(0, 1, "#e6f1f7", "#cfe3ee")
    c.hills(1.02, 0.18, "#bcd7e6", freq=1)
    # network nodes
    nodes = [(0.12, 0.25), (0.22, 0.6), (0.08, 0.8), (0.33, 0.18), (0.7, 0.2),
             (0.86, 0.35), (0.8, 0.72), (0.93, 0.86), (0.66, 0.86)]
    for i, a in enumerate(nodes):
        for b in nodes[i + 1:i + 3]:
            c.line([a, b], "#9cc3da", 0.004)
    for x, y in nodes:
        c.circle(x, y, 0.022, _C["teal"])
        c.circle(x, y, 0.011, "#ffffff")
    # cloud icon
    c.cloud(0.7, 0.3, 1.2, color="#ffffff")
    # phone
    c.translucent(lambda d: d.rounded_rectangle(
        [*c.p(0.415, 0.13), *c.p(0.605, 0.97)], radius=0.05 * c.h,
        fill=(20, 60, 100, 50)))
    c.rrect(0.4, 0.1, 0.59, 0.94, 0.05, _C["navy"])
    c.rrect(0.41, 0.14, 0.58, 0.9, 0.03, "#ffffff")
    c.rect(0.41, 0.14, 0.58, 0.25, _C["blue"])
    c.star(0.44, 0.195, 0.03, _C["star"])
    c.rrect(0.47, 0.18, 0.56, 0.2, 0.008, "#dbe8f1")
    rows = [(_C["teal"], 0.29), (_C["gold"], 0.42), (_C["green"], 0.55),
            (_C["roof"], 0.68)]
    for col, y in rows:
        c.rrect(0.425, y, 0.565, y + 0.1, 0.015, "#eef4f8")
        c.rrect(0.435, y + 0.02, 0.465, y + 0.08, 0.01, col)
        c.rrect(0.475, y + 0.025, 0.55, y + 0.04, 0.006, "#b7c9d6")
        c.rrect(0.475, y + 0.055, 0.53, y + 0.07, 0.006, "#d3dee6")
    c.rrect(0.465, 0.83, 0.525, 0.87, 0.02, _C["teal"])
    # tick badge
    c.circle(0.62, 0.62, 0.07, _C["green"])
    c.line([(0.6, 0.62), (0.615, 0.65), (0.645, 0.585)], "#ffffff", 0.018)
    # shield (security)
    sx, sy = 0.26, 0.36
    a = c.h / c.w
    c.poly([(sx - 0.08 * a, sy - 0.08), (sx + 0.08 * a, sy - 0.08),
            (sx + 0.08 * a, sy + 0.02), (sx, sy + 0.12), (sx - 0.08 * a, sy + 0.02)],
           _C["navy"])
    c.rrect(sx - 0.035 * a, sy - 0.01, sx + 0.035 * a, sy + 0.05, 0.006, "#ffffff")
    c.line([(sx - 0.022 * a, sy - 0.01), (sx - 0.022 * a, sy - 0.035),
            (sx + 0.022 * a, sy - 0.035), (sx + 0.022 * a, sy - 0.01)],
           "#ffffff", 0.008)


def _flood(c: _Canvas) -> None:
    c.sky(top="#c4d6e0", bottom="#eef0ea", horizon=0.55)
    c.cloud(0.05, 0.12, 1.2, color="#f4f6f7")
    c.cloud(0.55, 0.08, 1.0, color="#f4f6f7")
    c.sun(0.85, 0.16, 0.05)
    for i in range(12):
        c.tree(0.02 + i * 0.09, 0.55, 0.1 + 0.03 * (i % 3), color="#5f8a5a")
    c.water(0.54, 1.0, top="#8fb7c2", bottom="#5e93a6", ripples=60)
    # stilt houses
    for hx, base, s in ((0.2, 0.66, 1.0), (0.72, 0.6, 0.7)):
        a = c.h / c.w
        w = 0.22 * s * a * 1.6
        for k in range(5):
            px = hx - w / 2 + k * w / 4
            c.rect(px - 0.003, base - 0.02, px + 0.003, base + 0.09 * s,
                   _C["wood_dark"])
        c.rect(hx - w / 2, base - 0.14 * s, hx + w / 2, base, "#d8b98a")
        c.rect(hx - w * 0.12, base - 0.1 * s, hx + w * 0.12, base, _C["wood"])
        c.rect(hx - w * 0.38, base - 0.11 * s, hx - w * 0.2, base - 0.05 * s,
               _C["window"])
        c.poly([(hx - w * 0.62, base - 0.13 * s), (hx + w * 0.62, base - 0.13 * s),
                (hx + w * 0.3, base - 0.25 * s), (hx - w * 0.3, base - 0.25 * s)],
               _C["roof"])
        c.translucent(lambda d, hx=hx, base=base, w=w, s=s: d.rectangle(
            [*c.p(hx - w / 2, base + 0.02 * s), *c.p(hx + w / 2, base + 0.06 * s)],
            fill=(30, 60, 70, 45)))
    # half-submerged trees and a small rowing boat
    for x, y in ((0.45, 0.66), (0.52, 0.64), (0.95, 0.7)):
        c.ellipse(x, y, 0.06, 0.045, _C["green"])
    bx, by = 0.55, 0.84
    c.poly([(bx - 0.12, by - 0.03), (bx + 0.12, by - 0.035), (bx + 0.08, by),
            (bx - 0.08, by)], _C["wood_dark"])
    c.person(bx, by - 0.025, 0.11, shirt=_C["teal"])
    c.line([(bx + 0.01, by - 0.08), (bx + 0.09, by + 0.03)], _C["wood"], 0.006)
    # light rain
    for _ in range(80):
        x, y = c.rng.uniform(0, 1), c.rng.uniform(0, 0.5)
        c.line([(x, y), (x - 0.006, y + 0.03)], "#aac3cf", 0.002)


def _island(c: _Canvas) -> None:
    c.sky(top="#a9d6ec", bottom="#eef7f4", horizon=0.56)
    c.sun(0.15, 0.2, 0.065)
    c.cloud(0.5, 0.13, 0.8)
    c.cloud(0.78, 0.22, 0.6)
    c.water(0.55, 1.0, top="#4fb3c8", bottom="#1f7fa3", ripples=50)
    # distant islands
    c.poly([(0.05, 0.56), (0.12, 0.5), (0.2, 0.52), (0.28, 0.56)], "#7fa9a2")
    c.poly([(0.3, 0.56), (0.36, 0.53), (0.42, 0.56)], "#93b8b0")
    # main island: two rounded hills
    for x0, x1, peak, col in ((0.46, 1.1, 0.32, _C["green"]),
                              (0.62, 1.15, 0.43, _C["green_dark"])):
        pts = []
        for i in range(61):
            t = i / 60
            pts.append((x0 + (x1 - x0) * t,
                        0.66 - (0.66 - peak) * math.sin(t * math.pi) ** 0.8))
        c.poly(pts, col)
    c.poly([(0.44, 0.66), (1, 0.64), (1, 0.72), (0.5, 0.7)], _C["sand"])
    for x, h in ((0.58, 0.2), (0.64, 0.25), (0.9, 0.22)):
        c.coconut(x, 0.68, h, lean=-0.02 if x < 0.7 else 0.02)
    # fishing boats
    c.boat(0.22, 0.76, 0.16, hull="#1f4e79", roof=_C["roof"])
    c.boat(0.4, 0.9, 0.2, hull="#2a7f8f", roof=_C["gold"])
    c.boat(0.12, 0.62, 0.07, hull="#1f4e79")


def _city(c: _Canvas) -> None:
    c.sky(top="#bcdcee", bottom="#f6ecd8", horizon=0.7)
    c.sun(0.88, 0.18, 0.06)
    c.cloud(0.15, 0.12, 0.8)
    palette = ["#e7e1d3", "#d3e1ea", "#f1e6cf", "#c9d8c8", "#e5d3c3", "#dfe8ef"]
    x = 0.0
    i = 0
    while x < 1.0:
        w = c.rng.uniform(0.05, 0.1)
        h = c.rng.uniform(0.2, 0.5) if i % 3 else c.rng.uniform(0.35, 0.55)
        col = palette[i % len(palette)]
        c.building(x, 0.7, w, h, col, cols=2 + (i % 2), rows=int(h * 14),
                   roof=_C["navy"] if i % 4 == 0 else None)
        x += w + c.rng.uniform(0.0, 0.015)
        i += 1
    c.rect(0, 0.7, 1, 0.75, "#d6cfbf")
    c.rect(0, 0.745, 1, 0.755, _C["navy"])
    for k in range(12):
        c.tree(0.04 + k * 0.085, 0.74, 0.08, color=_C["green"])
    c.water(0.755, 1.0, top="#5aa6c6", bottom="#2e7aa3", ripples=35)
    c.boat(0.7, 0.9, 0.13, roof=_C["roof"])


def _health(c: _Canvas) -> None:
    c.gradient(0, 1, "#eaf4f1", "#d6ebe5")
    c.hills(0.78, 0.08, "#bfdccf", freq=1.2)
    c.rect(0, 0.78, 1, 1, "#a9d1bd")
    # health station
    c.building(0.1, 0.8, 0.32, 0.3, _C["wall"], cols=4, rows=2, roof=_C["teal"])
    c.rect(0.23, 0.7, 0.29, 0.8, _C["teal"])
    c.circle(0.26, 0.44, 0.05, "#ffffff")
    c.rect(0.252, 0.41, 0.268, 0.47, _C["red"])
    c.rect(0.241, 0.432, 0.279, 0.448, _C["red"])
    # big badge with cross and heartbeat line
    c.glow(0.68, 0.42, 0.3, (42, 127, 143, 40))
    c.circle(0.68, 0.42, 0.25, "#ffffff")
    a = c.h / c.w
    c.rrect(0.68 - 0.05 * a, 0.27, 0.68 + 0.05 * a, 0.57, 0.02, _C["teal"])
    c.rrect(0.68 - 0.15 * a, 0.37, 0.68 + 0.15 * a, 0.47, 0.02, _C["teal"])
    c.line([(0.53, 0.62), (0.6, 0.62), (0.63, 0.55), (0.66, 0.7), (0.69, 0.6),
            (0.71, 0.62), (0.83, 0.62)], _C["red"], 0.01)
    # covered water jar (no mosquito breeding) and plants
    jx, jb = 0.9, 0.9
    c.ellipse(jx, jb - 0.09, 0.08, 0.1, "#8a5a3b")
    c.ellipse(jx, jb - 0.17, 0.055, 0.018, "#6e452c")
    c.rect(jx - 0.035, jb - 0.21, jx + 0.035, jb - 0.17, _C["grey_dark"])
    c.ellipse(jx, jb - 0.21, 0.065, 0.02, _C["grey"])
    for x in (0.05, 0.47):
        c.tree(x, 0.84, 0.16, color=_C["green"])


def _market(c: _Canvas) -> None:
    c.sky(horizon=0.55)
    c.sun(0.12, 0.18, 0.06)
    c.cloud(0.6, 0.12, 0.8)
    for i in range(10):
        c.tree(0.03 + i * 0.105, 0.45, 0.12, color="#6a9a60")
    c.rect(0, 0.44, 1, 0.62, "#e8dfca")
    stripes = [(_C["roof"], "#f5efe3"), (_C["teal"], "#f5efe3"),
               (_C["gold"], "#f5efe3"), (_C["blue"], "#f5efe3")]
    for k in range(4):
        x0 = 0.04 + k * 0.24
        col, alt = stripes[k]
        c.rect(x0 + 0.01, 0.36, x0 + 0.012, 0.56, _C["wood_dark"])
        c.rect(x0 + 0.198, 0.36, x0 + 0.2, 0.56, _C["wood_dark"])
        n = 6
        for s in range(n):
            sx = x0 + s * 0.21 / n
            c.poly([(sx, 0.35), (sx + 0.21 / n, 0.35), (sx + 0.21 / n, 0.41),
                    (sx, 0.41)], col if s % 2 == 0 else alt)
            c.circle(sx + 0.21 / n / 2, 0.41, 0.0165, col if s % 2 == 0 else alt)
        c.rect(x0 + 0.005, 0.5, x0 + 0.205, 0.56, _C["wood"])
        fruit = ["#e0782f", "#8bbf4a", "#f2c94c", "#c8322b", "#6b9b3a"]
        for j in range(4):
            bx = x0 + 0.035 + j * 0.047
            col = fruit[(j + k) % len(fruit)]
            for dx, dy in ((-0.012, 0), (0.0, 0), (0.012, 0), (-0.006, -0.02),
                           (0.006, -0.02), (0.0, -0.038)):
                c.circle(bx + dx, 0.475 + dy, 0.014, col)
            c.poly([(bx - 0.022, 0.478), (bx + 0.022, 0.478), (bx + 0.016, 0.5),
                    (bx - 0.016, 0.5)], "#c79a5b")
    c.water(0.62, 1.0, ripples=35)
    # floating-market boats loaded with produce
    for bx, by, w, pile in ((0.25, 0.78, 0.3, "#8bbf4a"), (0.68, 0.9, 0.34, "#e0782f")):
        c.poly([(bx - w / 2, by - 0.05), (bx + w / 2, by - 0.06), (bx + w * 0.4, by),
                (bx - w * 0.42, by)], _C["wood_dark"])
        for row, n in ((0, 9), (1, 7), (2, 4)):
            for j in range(n):
                px = bx - w * 0.3 + (j + row * 0.9) * w * 0.066
                c.circle(px, by - 0.06 - row * 0.03, 0.019,
                         pile if (j + row) % 3 else _C["gold"])
        c.person(bx + w * 0.38, by - 0.05, 0.1, shirt=_C["blue"])


def _school(c: _Canvas) -> None:
    c.sky(horizon=0.72)
    c.sun(0.88, 0.16, 0.06)
    c.cloud(0.05, 0.1, 0.8)
    c.hills(0.72, 0.06, "#9cc08a", freq=1.5)
    c.rect(0, 0.72, 1, 1, "#e6dcc4")
    c.rect(0, 0.93, 1, 1, _C["green_light"])
    # two-storey school building in the familiar yellow
    c.rect(0.2, 0.36, 0.82, 0.74, "#f1d77e")
    c.rect(0.2, 0.545, 0.82, 0.56, "#e2c05a")
    for r, y in enumerate((0.4, 0.59)):
        for k in range(8):
            x = 0.235 + k * 0.072
            if r == 1 and k in (3, 4):
                continue
            c.rect(x, y, x + 0.04, y + 0.1, "#fbf5e2")
            c.rect(x + 0.004, y + 0.006, x + 0.036, y + 0.094, _C["window"])
    c.rect(0.45, 0.61, 0.57, 0.74, _C["wood"])
    c.poly([(0.17, 0.37), (0.85, 0.37), (0.8, 0.29), (0.22, 0.29)], _C["roof"])
    c.flag(0.1, 0.3, 0.44, 0.055)
    for x in (0.9, 0.97):
        c.tree(x, 0.78, 0.22, color=_C["green"])
    # bicycles
    for bx in (0.3, 0.4, 0.64):
        for dx in (-0.025, 0.025):
            cx, cy = c.p(bx + dx, 0.86)
            r = 0.028 * c.h
            c.d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=_C["navy"],
                        width=c.lw(0.005))
        c.line([(bx - 0.025, 0.86), (bx - 0.005, 0.83), (bx + 0.015, 0.83),
                (bx + 0.025, 0.86)], _C["teal"], 0.006)
        c.line([(bx - 0.005, 0.83), (bx - 0.01, 0.815)], _C["teal"], 0.006)
        c.line([(bx + 0.015, 0.83), (bx + 0.018, 0.81)], _C["teal"], 0.006)
    c.person(0.5, 0.9, 0.12, shirt="#ffffff", hat=False)
    c.person(0.55, 0.9, 0.11, shirt="#ffffff", hat=False)


def _mountain(c: _Canvas) -> None:
    c.sky(horizon=0.66)
    c.sun(0.16, 0.2, 0.07)
    c.cloud(0.7, 0.1, 0.8)
    c.hills(0.66, 0.1, "#9bbf8a", freq=1.2)

    def ridge(t: float) -> float:  # a rounded hill with a gentle shoulder
        dome = math.cos((t - 0.5) * math.pi) ** 1.6
        return 0.68 - 0.4 * dome - 0.03 * math.sin(t * math.pi * 3) * dome

    xs = [i / 120 for i in range(121)]
    pts = [(0.16 + t * 0.7, ridge(t)) for t in xs]
    c.poly([(0.12, 0.7), *pts, (0.9, 0.7)], _C["green"])
    shade = [(0.16 + t * 0.7, ridge(t)) for t in xs if t >= 0.5]
    c.poly([*shade, (0.9, 0.7), (0.62, 0.7)], _C["green_dark"])
    for _ in range(28):  # trees dotting the slopes
        t = c.rng.uniform(0.12, 0.88)
        y = c.rng.uniform(ridge(t) + 0.05, 0.66)
        col = "#3f7f45" if t < 0.5 else "#285c3b"
        c.ellipse(0.16 + t * 0.7, y, 0.025, 0.02, col)
    # temple at the top
    tx, tb = 0.51, ridge(0.5) + 0.01
    c.rect(tx - 0.035, tb - 0.06, tx + 0.035, tb, _C["wall"])
    c.rect(tx - 0.008, tb - 0.04, tx + 0.008, tb, _C["roof_dark"])
    c.poly([(tx - 0.05, tb - 0.055), (tx + 0.05, tb - 0.055), (tx + 0.028, tb - 0.1),
            (tx - 0.028, tb - 0.1)], _C["roof"])
    c.poly([(tx - 0.01, tb - 0.1), (tx + 0.01, tb - 0.1), (tx, tb - 0.15)],
           _C["gold"])
    # fields and palms in front
    c.rect(0, 0.68, 1, 1, _C["gold"])
    for i in range(5):
        y = 0.7 + i * 0.06
        c.line([(0, y), (1, y + 0.02 * (1 if i % 2 else -1))], _C["gold_dark"], 0.004)
    c.poly([(0, 0.86), (0.3, 0.8), (0.6, 0.84), (1, 0.8), (1, 1), (0, 1)],
           _C["green_light"])
    for x, h in ((0.06, 0.34), (0.13, 0.28), (0.86, 0.3), (0.94, 0.36)):
        c.sugar_palm(x, 0.86, h)


def _office(c: _Canvas) -> None:
    c.sky(horizon=0.76)
    c.sun(0.85, 0.16, 0.055)
    c.cloud(0.08, 0.12, 0.9)
    c.rect(0, 0.76, 1, 1, "#dcd5c4")
    c.poly([(0.35, 1), (0.65, 1), (0.58, 0.8), (0.42, 0.8)], "#e9e3d4")
    # main block, wings and central portico
    c.rect(0.18, 0.38, 0.82, 0.78, _C["wall"])
    c.rect(0.18, 0.38, 0.82, 0.41, _C["wall_shade"])
    for y in (0.44, 0.6):
        for k in range(10):
            x = 0.2 + k * 0.062
            if 0.39 < x < 0.6:
                continue
            c.rect(x, y, x + 0.03, y + 0.1, _C["window"])
    c.rect(0.39, 0.3, 0.61, 0.78, "#efe9dc")
    c.poly([(0.37, 0.31), (0.63, 0.31), (0.5, 0.22)], _C["wall_shade"])
    c.circle(0.5, 0.275, 0.022, _C["red"])
    c.star(0.5, 0.275, 0.014, _C["star"])
    for k in range(5):
        x = 0.41 + k * 0.045
        c.rect(x, 0.36, x + 0.016, 0.74, "#ffffff")
    c.rect(0.39, 0.34, 0.61, 0.36, _C["wall_shade"])
    for s in range(4):
        c.rect(0.37 - s * 0.01, 0.74 + s * 0.012, 0.63 + s * 0.01, 0.752 + s * 0.012,
               "#d8d0bd" if s % 2 else "#e6dfcf")
    c.rect(0.18, 0.775, 0.82, 0.785, _C["navy"])
    c.flag(0.5, 0.05, 0.17, 0.045)
    for x in (0.07, 0.93):
        c.tree(x, 0.82, 0.3, color=_C["green"])
    for x in (0.25, 0.75):
        c.tree(x, 0.86, 0.12, color=_C["green_dark"])


_SCENES: dict[str, Callable[[_Canvas], None]] = {
    "rice-field": _rice_field,
    "river": _river,
    "bridge": _bridge,
    "festival": _festival,
    "pagoda": _pagoda,
    "digital": _digital,
    "flood": _flood,
    "island": _island,
    "city": _city,
    "health": _health,
    "market": _market,
    "school": _school,
    "mountain": _mountain,
    "office": _office,
}


def draw(theme: str, width: int = 1200, height: int = 675) -> bytes:
    """Return a JPEG illustration for ``theme`` (a key of ``THEMES``)."""
    scene = _SCENES.get(theme)
    if scene is None:
        raise ValueError(f"unknown illustration theme: {theme!r}")
    if width < 16 or height < 16:
        raise ValueError("image size must be at least 16x16")
    canvas = _Canvas(width, height, seed=zlib.crc32(theme.encode("utf-8")))
    scene(canvas)
    return canvas.to_jpeg(width, height)
