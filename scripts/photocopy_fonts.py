"""Which typeface survives a photocopy of a photocopy? Sets real handout text (the sample guides'
steps, promises and key messages, plus Vietnamese words that differ only in a/o/ơ/ă/â or a tone)
in each candidate face with WeasyPrint, rasterises it at 300 dpi, copies it twice on a simulated
copier (blur, toner noise and gain, threshold, speckle), reads it back with tesseract (Vietnamese)
and prints the character error rate (CER) per face, size and weight.

    .venv/bin/pip install fontpkg-noto-sans fontpkg-lexend fontpkg-roboto fontpkg-source-sans-3 \\
        fontpkg-open-sans fontpkg-fira-sans fontpkg-ibm-plex-sans fontpkg-arimo fontpkg-atkinson-hyperlegible
    apt-get install tesseract-ocr tesseract-ocr-vie
    .venv/bin/python scripts/photocopy_fonts.py [--seeds 3]

A face that is not installed is listed as such; one without every Vietnamese letter is not tested
(WeasyPrint would take the missing letters from another font).
"""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

import numpy as np
import yaml
from PIL import Image, ImageFilter

REPO = Path(__file__).resolve().parent.parent
DPI = 300
# (face, fontpkg module, regular file, bold file); one file for both means a variable font.
CANDIDATES = [
    ("Be Vietnam Pro", "fontpkg_be_vietnam_pro", "BeVietnamPro-Regular.ttf", "BeVietnamPro-Bold.ttf"),
    ("Noto Sans", "fontpkg_noto_sans", "NotoSans[wdth,wght].ttf", "NotoSans[wdth,wght].ttf"),
    ("Lexend", "fontpkg_lexend", "Lexend[wght].ttf", "Lexend[wght].ttf"),
    ("Roboto", "fontpkg_roboto", "Roboto[wdth,wght].ttf", "Roboto[wdth,wght].ttf"),
    ("Source Sans 3", "fontpkg_source_sans_3", "SourceSans3[wght].ttf", "SourceSans3[wght].ttf"),
    ("Open Sans", "fontpkg_open_sans", "OpenSans[wdth,wght].ttf", "OpenSans[wdth,wght].ttf"),
    ("Fira Sans", "fontpkg_fira_sans", "FiraSans-Regular.ttf", "FiraSans-Bold.ttf"),
    ("IBM Plex Sans", "fontpkg_ibm_plex_sans", "IBMPlexSans[wdth,wght].ttf", "IBMPlexSans[wdth,wght].ttf"),
    ("Arimo", "fontpkg_arimo", "Arimo[wght].ttf", "Arimo[wght].ttf"),
    ("Atkinson Hyperlegible", "fontpkg_atkinson_hyperlegible", "AtkinsonHyperlegible-Regular.ttf",
     "AtkinsonHyperlegible-Bold.ttf"),
]
# (label, size in pt, weight): the handout's floor and body, a step title, a heading.
SETTINGS = [("9 pt", 9.0, 400), ("10.5 pt", 10.5, 400), ("11 pt bold", 11.0, 700), ("14 pt bold", 14.0, 700)]
# Words a blurred "a" turns into others: khai/khơi, bà/bò, ăn/ân/ơn/ôn, mạ/mọ ...
PAIRS = ("khai khơi khoai; bà bò bơ; ăn ân ơn ôn an; mạ mọ mợ; cha cho chơ; tài tòi tời; "
         "lãnh lõnh; xác xóc; hạn họn; nhận nhộn; cấp cốp; bản bổn; đăng đông; ảnh ổnh; sao sau")
VIETNAMESE = set("aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXY")
for vowel in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY":
    VIETNAMESE |= {unicodedata.normalize("NFC", vowel + mark) for mark in "\u0300\u0301\u0303\u0309\u0323"}
A_FAMILY = set("aăâoôơ")


def handout_text() -> str:
    """The texts residents read on the handouts of the sample guides, and the minimal pairs."""
    parts = []
    for path in sorted((REPO / "content" / "guides").glob("*.yaml")):
        guide = yaml.safe_load(path.read_text(encoding="utf-8"))
        parts += [guide["promise"] + "."] + [f"{s['title']}: {s['text']}" for s in guide["steps"][:2]]
    return " ".join([PAIRS, *parts])


def font_files(module: str, regular: str, bold: str) -> tuple[Path, Path] | None:
    try:
        root = Path(importlib.import_module(module).__file__).parent / "files"
    except ImportError:
        return None
    return root / regular, root / bold


def missing_letters(path: Path) -> str:
    from fontTools.ttLib import TTFont
    cmap = TTFont(path).getBestCmap()
    return "".join(sorted(c for c in VIETNAMESE if ord(c) not in cmap))


def specimen_pdf(files: tuple[Path, Path], text: str, size: float, weight: int) -> bytes:
    import weasyprint
    regular, bold = files
    if regular == bold:
        faces = f'@font-face {{ font-family: "T"; font-weight: 100 900; src: url("{regular.as_uri()}"); }}'
    else:
        faces = (f'@font-face {{ font-family: "T"; font-weight: 400; src: url("{regular.as_uri()}"); }}'
                 f'@font-face {{ font-family: "T"; font-weight: 700; src: url("{bold.as_uri()}"); }}')
    css = (f"{faces} @page {{ size: 190mm 400mm; margin: 10mm; }} "
           f"p {{ font-family: T; font-size: {size}pt; font-weight: {weight}; line-height: 1.3; margin: 0; }}")
    return weasyprint.HTML(string=f"<style>{css}</style><p>{text}</p>").write_pdf()


def raster(pdf: bytes, folder: Path) -> np.ndarray:
    """The page as grey levels 0 (black) … 1 (white) at DPI."""
    (folder / "s.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-gray", "-r", str(DPI), "-singlefile", "-png", str(folder / "s.pdf"),
                    str(folder / "s")], check=True)
    page = np.asarray(Image.open(folder / "s.png").convert("L"), dtype=np.float32) / 255
    inked = np.where(page.min(axis=1) < 0.5)[0]
    return page[max(0, inked[0] - DPI // 10):inked[-1] + DPI // 10]  # the text and a margin, as copied


def photocopy(page: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One pass through a tired copier: optics blur the page (about 0.1 mm), toner is uneven and
    spreads (noise, a threshold above mid-grey), dust and drop-outs speckle it."""
    blurred = np.asarray(Image.fromarray((page * 255).astype(np.uint8)).filter(
        ImageFilter.GaussianBlur(0.11 / 25.4 * DPI)), dtype=np.float32) / 255
    noisy = blurred + rng.normal(0, 0.10, page.shape)
    copy = (noisy > 0.62).astype(np.float32)
    dust = Image.fromarray(((rng.random(page.shape) > 0.0003) * 255).astype(np.uint8)).filter(ImageFilter.MinFilter(3))
    copy = np.minimum(copy, np.asarray(dust, dtype=np.float32) / 255)
    copy[rng.random(page.shape) < 0.01] = 1.0
    return copy


def ocr(page: np.ndarray, folder: Path) -> str:
    Image.fromarray((page * 255).astype(np.uint8)).save(folder / "copy.png")
    done = subprocess.run(["tesseract", str(folder / "copy.png"), "-", "-l", "vie", "--psm", "6"],
                          check=True, capture_output=True, text=True, env={**os.environ, "OMP_THREAD_LIMIT": "1"})
    return done.stdout


def errors(truth: str, read: str) -> tuple[int, int]:
    """(edit distance, substitutions within a/ă/â/o/ô/ơ, tone marks aside) between two texts."""
    def base(c: str) -> str:
        return unicodedata.normalize("NFC", "".join(x for x in unicodedata.normalize("NFD", c)
                                                    if x not in "\u0300\u0301\u0303\u0309\u0323")).lower()
    a, b = truth, read
    rows = [list(range(len(b) + 1))]
    for i, x in enumerate(a, 1):
        prev, row = rows[-1], [i]
        for j, y in enumerate(b, 1):
            row.append(min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (x != y)))
        rows.append(row)
    i, j, confusions = len(a), len(b), 0
    while i and j:
        if rows[i][j] == rows[i - 1][j - 1] + (a[i - 1] != b[j - 1]):
            if a[i - 1] != b[j - 1] and base(a[i - 1]) in A_FAMILY and base(b[j - 1]) in A_FAMILY \
                    and base(a[i - 1]) != base(b[j - 1]):
                confusions += 1
            i, j = i - 1, j - 1
        elif rows[i][j] == rows[i - 1][j] + 1:
            i -= 1
        else:
            j -= 1
    return rows[-1][-1], confusions


def flat(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def measure(files, text: str, size: float, weight: int, seeds: int) -> tuple[list[float], float, int]:
    """(CER % of each run, a/o confusions per run, lines the text takes) after two copies."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        page = raster(specimen_pdf(files, text, size, weight), folder)
        lines = len(subprocess.run(["pdftotext", str(folder / "s.pdf"), "-"], capture_output=True,
                                   text=True).stdout.strip().splitlines())
        rates, confusions = [], 0
        for seed in range(seeds):
            rng = np.random.default_rng(seed)
            read = flat(ocr(photocopy(photocopy(page, rng), rng), folder))
            distance, mixed = errors(flat(text), read)
            rates.append(100 * distance / len(flat(text)))
            confusions += mixed
    return rates, confusions / seeds, lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=4, help="copier runs per face and setting (default 4)")
    parser.add_argument("--only", nargs="*", help="faces to test (default: all)")
    args = parser.parse_args()
    text = handout_text()
    print(f"{len(flat(text))} characters of handout text, {DPI} dpi, two generations of copies, "
          f"{args.seeds} runs each (CER: mean ±standard deviation)\n")
    header = "| face | " + " | ".join(f"CER {label}" for label, _, _ in SETTINGS) + \
             " | a/o/ơ mix-ups (9 pt) | lines at 10.5 pt |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for face, module, regular, bold in CANDIDATES:
        if args.only and face not in args.only:
            continue
        files = font_files(module, regular, bold)
        if files is None:
            print(f"| {face} | not installed (pip install {module.replace('_', '-')}) |")
            continue
        missing = missing_letters(files[0])
        if missing:
            print(f"| {face} | lacks {len(missing)} Vietnamese letters ({missing[:8]}…): not tested |")
            continue
        cells, mixups, lines = [], 0.0, 0
        for label, size, weight in SETTINGS:
            rates, mixed, used = measure(files, text, size, weight, args.seeds)
            cells.append(f"{np.mean(rates):.1f} % ±{np.std(rates):.1f}")
            mixups = mixed if label == "9 pt" else mixups
            lines = used if label == "10.5 pt" else lines
        print(f"| {face} | " + " | ".join(cells) + f" | {mixups:.1f} | {lines} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
