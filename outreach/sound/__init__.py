"""Everything that makes sound: reading text aloud, speech engines, the audio chain, MP3 frames.

    reading.py   text → what a speaker says (numbers, dates, money, phones, abbreviations), with
                 numerals.py (words for numbers), dates.py (dates, times, house numbers),
                 phones.py (phone numbers, hotlines), ordinals.py (ordinals, Roman numerals)
    engines/     one module per engine (Viettel AI, gTTS, piper, espeak-ng), found through entry points: text → WAV
    speech.py    Speaker: script → MP3 clip, from the three below
    choice.py    which engine speaks a build, each probed once
    cache.py     the speech cache: every section spoken once, prepared once per speed
    ownvoice.py  the officer's takes in a clip: judged, noted, checked for a wrong take
    recordings.py  the takes themselves: found, measured, cleaned, named by section
    audio.py     shaping, levelling, encoding and joining (numpy, LAME, libmpg123: loaded only here)
    loudness.py  integrated loudness and true peak
    mp3.py       MP3 frames counted and decoded
    ffmpeg.py    ffmpeg run quietly

Importing this package loads none of the heavy libraries: a no-op build must stay fast.
"""
