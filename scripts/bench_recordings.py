"""How long recordings.clean takes on one minute of a phone recording (48 kHz stereo AAC with pink
noise): the cost of a new take, paid once per file (the cleaned take is cached by its hash). With the
`asr` extra installed, also what the wrong-take check costs: loading viet-asr's model, and hearing
the cleaned minute (also paid once per file: the transcript is cached beside the cleaned take).

    .venv/bin/python scripts/bench_recordings.py
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path

from outreach.sound import hearing
from outreach.sound.recordings import Take, clean

TEXT = ("Kính thưa bà con, Ủy ban nhân dân xã xin hướng dẫn bà con cách làm thủ tục đăng ký khai sinh "
        "trực tuyến ngay tại nhà, không cần xếp hàng. ")


def minute_take(folder: Path) -> Path:
    """Sixty seconds of espeak-ng speech at half volume over pink noise, as a phone would save it."""
    voice, take = folder / "voice.wav", folder / "take.m4a"
    subprocess.run(["espeak-ng", "-v", "vi", "-w", str(voice), TEXT * 8], check=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(voice), "-f", "lavfi", "-i",
                    "anoisesrc=color=pink:amplitude=0.01:duration=120", "-filter_complex",
                    "[0:a]volume=0.5,aresample=48000,apad[v];[1:a]aresample=48000[n];"
                    "[v][n]amix=inputs=2:duration=first:normalize=0,pan=stereo|c0=c0|c1=c0",
                    "-t", "60", "-c:a", "aac", str(take)], check=True)
    return take


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        take = minute_take(Path(tmp))
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            measured = clean(Take(take), Path(tmp) / "clean.wav")
            runs.append(time.perf_counter() - start)
        print(f"take: {measured.seconds:.1f} s recorded, {measured.speech_seconds:.1f} s after trimming, "
              f"{measured.lufs:.1f} LUFS, speech {measured.speech_over_noise:.0f} dB over the noise")
        print(f"recordings.clean on one minute: best {min(runs):.2f} s, median {sorted(runs)[1]:.2f} s of 3 runs")
        recogniser = hearing.installed()
        if recogniser is None:
            print("viet-asr is not installed (pip install '.[asr]'): no wrong-take check to time")
            return
        start = time.perf_counter()
        recogniser.transcribe(Path(tmp) / "clean.wav")  # the first call loads the model
        first = time.perf_counter() - start
        heard = []
        for _ in range(3):
            start = time.perf_counter()
            recogniser.transcribe(Path(tmp) / "clean.wav")
            heard.append(time.perf_counter() - start)
        print(f"{recogniser.name} on the cleaned minute ({measured.speech_seconds:.1f} s): first call, model "
              f"loaded, {first:.2f} s; then best {min(heard):.2f} s, median {sorted(heard)[1]:.2f} s of 3 runs "
              f"(real-time factor {sorted(heard)[1] / measured.speech_seconds:.3f})")


if __name__ == "__main__":
    main()
