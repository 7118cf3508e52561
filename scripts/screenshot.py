#!/usr/bin/env python3
"""Renders a terminal capture with colours (`tmux capture-pane -e -p`) to a PNG.

Used to make assets/dashboard.png:
    tmux capture-pane -e -p -t SESSION > /tmp/screen.ansi
    python3 scripts/screenshot.py /tmp/screen.ansi assets/dashboard.png
Needs Pillow (pip install pillow) and the DejaVu Sans Mono font.
"""
import re
import sys

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
# Braille (the spinner) is missing from the mono face.
FALLBACK = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
SIZE = 15
BG, FG = (24, 26, 33), (214, 218, 226)
PALETTE = {
    0: (40, 42, 54), 1: (240, 90, 90), 2: (110, 200, 120), 3: (235, 200, 95),
    4: (100, 150, 240), 5: (210, 120, 220), 6: (90, 200, 220), 7: (214, 218, 226),
    8: (110, 115, 130), 9: (255, 120, 120), 10: (140, 230, 150), 11: (250, 220, 120),
    12: (130, 170, 250), 13: (230, 150, 240), 14: (120, 220, 240), 15: (255, 255, 255),
}
SGR = re.compile(r"\x1b\[([0-9;]*)m")


def cells(line):
    """Yields (char, fg, bg, bold) for one line with SGR colour codes."""
    fg, bg, bold, reverse = FG, BG, False, False
    pos = 0
    for m in SGR.finditer(line + "\x1b[m"):
        for ch in line[pos:m.start()]:
            f, b = (bg, fg) if reverse else (fg, bg)
            yield ch, f, b, bold
        pos = m.end()
        codes = [int(c) for c in m.group(1).split(";") if c] or [0]
        i = 0
        while i < len(codes):
            c = codes[i]
            if c == 0:
                fg, bg, bold, reverse = FG, BG, False, False
            elif c == 1:
                bold = True
            elif c == 7:
                reverse = True
            elif c == 22:
                bold = False
            elif c == 27:
                reverse = False
            elif 30 <= c <= 37:
                fg = PALETTE[c - 30]
            elif 90 <= c <= 97:
                fg = PALETTE[c - 90 + 8]
            elif c == 39:
                fg = FG
            elif 40 <= c <= 47:
                bg = PALETTE[c - 40]
            elif c == 49:
                bg = BG
            elif c in (38, 48) and i + 2 < len(codes) and codes[i + 1] == 5:
                colour = PALETTE.get(codes[i + 2], FG)
                if c == 38:
                    fg = colour
                else:
                    bg = colour
                i += 2
            i += 1


def main(src, dst):
    lines = open(src, encoding="utf-8").read().rstrip("\n").split("\n")
    regular, bold = ImageFont.truetype(FONT, SIZE), ImageFont.truetype(BOLD, SIZE)
    fallback = ImageFont.truetype(FALLBACK, SIZE)
    w = int(regular.getlength("M"))
    h = SIZE + 4
    cols = max(sum(1 for _ in cells(l)) for l in lines)
    img = Image.new("RGB", (cols * w + 20, len(lines) * h + 20), BG)
    draw = ImageDraw.Draw(img)
    for y, line in enumerate(lines):
        for x, (ch, f, b, is_bold) in enumerate(cells(line)):
            px, py = 10 + x * w, 10 + y * h
            if b != BG:
                draw.rectangle([px, py, px + w, py + h], fill=b)
            font = fallback if 0x2800 <= ord(ch) <= 0x28FF else (bold if is_bold else regular)
            draw.text((px, py), ch, font=font, fill=f)
    img.save(dst)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
