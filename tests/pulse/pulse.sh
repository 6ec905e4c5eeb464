# pulse.sh - a private PulseAudio server whose default source is a null sink's monitor: a virtual
# microphone for tests. Source this file, then:
#   pulse_start            start the server (returns 1, with a reason in $PULSE_WHY, if it cannot)
#   pulse_play FILE...     play files into the null sink, one after another (blocks)
#   pulse_mix OUT PIECE... write one continuous WAV of clips, noise and silence (tests/pulse/mix.c,
#                          built on first use; see there for PIECE), to play with one pulse_play
#   pulse_stop             stop the server and remove its directory
#   pulse_test_start       for a test script: start the server or exit 77 (skip) with the reason;
#                          on exit kill $hpid (the hark under test, if any) and stop the server;
#                          sets $out and $err, files in the server's directory
# PortAudio has no PulseAudio host API on Debian 12; it reaches the server through ALSA's pulse
# plug-in (package libasound2-plugins), so a private ~/.asoundrc routes ALSA's default there.
# The server runs as a user daemon even as root (--system=no), in a private HOME and runtime dir,
# so several tests can each run their own at once.

PULSE_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PULSE_DIR=""
PULSE_PID=""
PULSE_WHY=""

pulse_start() {
    if ! command -v pulseaudio >/dev/null || ! command -v pactl >/dev/null ||
        ! command -v paplay >/dev/null; then
        PULSE_WHY="pulseaudio / pulseaudio-utils not installed"
        return 1
    fi
    if [ ! -e /usr/lib/x86_64-linux-gnu/alsa-lib/libasound_module_pcm_pulse.so ] &&
        ! ls /usr/lib/*/alsa-lib/libasound_module_pcm_pulse.so >/dev/null 2>&1; then
        PULSE_WHY="ALSA's pulse plug-in (libasound2-plugins) not installed"
        return 1
    fi
    PULSE_DIR=$(mktemp -d /tmp/hark-pulse.XXXXXX) || { PULSE_WHY="mktemp failed"; return 1; }
    mkdir -p "$PULSE_DIR/home" "$PULSE_DIR/run"
    chmod 700 "$PULSE_DIR/run"
    cat >"$PULSE_DIR/default.pa" <<PA
load-module module-null-sink sink_name=hark_mic rate=48000 channels=1 sink_properties=device.description=hark-virtual-mic
load-module module-native-protocol-unix auth-anonymous=1 socket=$PULSE_DIR/run/native
set-default-sink hark_mic
set-default-source hark_mic.monitor
PA
    cat >"$PULSE_DIR/home/.asoundrc" <<ASOUND
pcm.!default { type pulse }
ctl.!default { type pulse }
ASOUND
    export HOME="$PULSE_DIR/home" XDG_RUNTIME_DIR="$PULSE_DIR/run"
    export PULSE_SERVER="unix:$PULSE_DIR/run/native"
    pulseaudio --daemonize=no --system=no --exit-idle-time=-1 --disallow-exit=no -n \
        -F "$PULSE_DIR/default.pa" --log-target=file:"$PULSE_DIR/pulse.log" \
        >/dev/null 2>&1 &
    PULSE_PID=$!
    # Up to 30 s: a loaded machine (ctest -j) starts it slowly, and a slow start must not turn
    # into a skip.
    for _ in $(seq 1 300); do
        if pactl info >/dev/null 2>&1; then
            if pactl info 2>/dev/null | grep -q "Default Source: hark_mic.monitor"; then
                return 0
            fi
        fi
        if ! kill -0 "$PULSE_PID" 2>/dev/null; then
            PULSE_WHY="pulseaudio exited: $(tail -n 3 "$PULSE_DIR/pulse.log" 2>/dev/null | tr '\n' ' ')"
            PULSE_PID=""
            return 1
        fi
        sleep 0.1
    done
    PULSE_WHY="pulseaudio did not answer within 30 s"
    return 1
}

# A second of server-side buffer: a player starved of CPU on a busy machine (ctest -j) cannot
# underrun and cut a gap of digital silence into a word.
pulse_play() {
    local f
    for f in "$@"; do
        paplay --device=hark_mic --latency-msec=1000 "$f" || return 1
    done
}

pulse_mix() {
    if [ ! -x "$PULSE_DIR/mix" ]; then
        cc -std=c11 -O2 -o "$PULSE_DIR/mix" "$PULSE_HERE/mix.c" $(pkg-config --cflags --libs sndfile) -lm ||
            return 1
    fi
    "$PULSE_DIR/mix" 16000 "$@"
}

pulse_stop() {
    if [ -n "$PULSE_PID" ]; then
        kill "$PULSE_PID" 2>/dev/null
        wait "$PULSE_PID" 2>/dev/null
    fi
    [ -n "$PULSE_DIR" ] && rm -rf "$PULSE_DIR"
    PULSE_PID=""
    PULSE_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PULSE_DIR=""
}

pulse_test_start() {
    if ! pulse_start; then
        echo "SKIP: PulseAudio cannot start here: $PULSE_WHY"
        pulse_stop
        exit 77
    fi
    hpid=""
    trap '[ -n "$hpid" ] && kill "$hpid" 2>/dev/null; pulse_stop' EXIT
    out=$PULSE_DIR/out.json
    err=$PULSE_DIR/err.txt
}
