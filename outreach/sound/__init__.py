"""Everything that makes sound: reading text aloud, speech engines, the audio chain, MP3 frames.

    reading.py   text → what a speaker says (numbers, dates, money, phones, abbreviations)
    engines/     one module per engine (Viettel AI, gTTS, piper, espeak-ng), found through entry points: text → WAV
    speech.py    one engine per build, every spoken section cached: script → MP3 clip
    audio.py     shaping, levelling, encoding and joining (numpy, LAME, libmpg123: loaded only here)
    loudness.py  integrated loudness and true peak
    mp3.py       MP3 frames counted and decoded
    ffmpeg.py    ffmpeg run quietly

Importing this package loads none of the heavy libraries: a no-op build must stay fast.
"""
