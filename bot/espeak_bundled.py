"""The espeak-ng bundled in the pip package `espeakng-loader`, for voices the system lacks.

`espeakng-loader` ships libespeak-ng 1.52 and its data, which has a Tigrinya voice that Debian's
espeak-ng 1.51 does not. It is a library, not a program: this module wraps it (ctypes) as a
small program that behaves like the part of the `espeak-ng` command line `bot.audio` uses::

    python -m bot.espeak_bundled -v ti -s 140 --stdin --stdout   < text   > sound.wav
    python -m bot.espeak_bundled --voices                          # "<n> <code> ..." per voice

so `bot.audio` runs it exactly like espeak-ng: as a subprocess with a timeout, its WAV encoded to
OGG/Opus by ffmpeg. The C library keeps global state and holds the CPU; in its own process it
can neither block the event loop nor be entered twice at once.
"""

from __future__ import annotations

import ctypes
import functools
import io
import subprocess
import sys
import wave
from collections.abc import Sequence
from pathlib import Path

BUNDLED_COMMAND = (sys.executable, "-m", "bot.espeak_bundled")
AUDIO_OUTPUT_SYNCHRONOUS = 2  # espeak_AUDIO_OUTPUT: synthesis calls the callback, then returns
ESPEAK_RATE = 1  # espeak_PARAMETER espeakRATE (words per minute)
POS_CHARACTER = 1  # espeak_POSITION_TYPE
CHARS_UTF8 = 1  # espeakCHARS_UTF8
SYNTH_BUFFER_MS = 500
PROBE_TIMEOUT_S = 20.0

_Callback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


def _library() -> tuple[ctypes.CDLL, str]:
    """The bundled library and its data folder; ImportError when the package is not installed."""
    import espeakng_loader

    return ctypes.CDLL(espeakng_loader.get_library_path()), espeakng_loader.get_data_path()


def _voice_codes(data_path: str) -> list[str]:
    """The voice codes of the bundled data: the file names under espeak-ng-data/lang/."""
    lang = Path(data_path) / "lang"
    return sorted(p.name for p in lang.rglob("*") if p.is_file())


def synthesise(text: str, voice: str, rate: int) -> bytes:
    """Text to a mono 16-bit WAV with the bundled library."""
    lib, data_path = _library()
    rate_hz = lib.espeak_Initialize(
        AUDIO_OUTPUT_SYNCHRONOUS, SYNTH_BUFFER_MS, data_path.encode(), 0
    )
    if rate_hz <= 0:
        raise RuntimeError("the bundled espeak-ng did not start")
    if lib.espeak_SetVoiceByName(voice.encode()) != 0:
        raise RuntimeError(f"the bundled espeak-ng has no voice {voice!r}")
    lib.espeak_SetParameter(ESPEAK_RATE, rate, 0)
    samples = bytearray()

    def collect(wav: ctypes._Pointer[ctypes.c_short], count: int, _events: int) -> int:
        if count > 0 and wav:
            samples.extend(ctypes.string_at(wav, count * 2))
        return 0  # go on

    callback = _Callback(collect)
    lib.espeak_SetSynthCallback(callback)
    encoded = text.encode()
    buffer = ctypes.create_string_buffer(encoded)
    status = lib.espeak_Synth(buffer, len(encoded) + 1, 0, POS_CHARACTER, 0, CHARS_UTF8, None, None)
    lib.espeak_Synchronize()
    lib.espeak_Terminate()
    if status != 0:
        raise RuntimeError(f"the bundled espeak-ng failed ({status})")
    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(rate_hz)
        sound.writeframes(bytes(samples))
    return out.getvalue()


@functools.cache
def bundled_voices() -> frozenset[str]:
    """Voice codes the bundled espeak-ng has (asked in a subprocess); empty when not installed."""
    try:
        listed = subprocess.run(
            [*BUNDLED_COMMAND, "--voices"],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_S,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    rows = (line.split() for line in listed.splitlines()[1:])
    return frozenset(row[1].lower() for row in rows if len(row) >= 2)


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; only the options `bot.audio` passes to espeak-ng."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if "--voices" in args:
            _, data_path = _library()
            lines = ["Pty Language Age/Gender VoiceName File Other Languages"]
            lines += [f" 5  {code}" for code in _voice_codes(data_path)]
            sys.stdout.write("\n".join(lines) + "\n")
            return 0
        voice = args[args.index("-v") + 1] if "-v" in args else "en"
        rate = int(args[args.index("-s") + 1]) if "-s" in args else 175
        text = sys.stdin.buffer.read().decode("utf-8", errors="replace")
        sys.stdout.buffer.write(synthesise(text, voice, rate))
        sys.stdout.buffer.flush()
        return 0
    except ImportError:
        sys.stderr.write("espeakng-loader is not installed (pip install espeakng-loader)\n")
        return 2
    except (RuntimeError, OSError, ValueError, IndexError) as exc:
        sys.stderr.write(f"{exc}\n")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
