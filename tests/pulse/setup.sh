#!/bin/bash
# setup.sh [HARK_BIN] - check that this machine can run the virtual-microphone tests: start a
# private PulseAudio server with a null sink whose monitor is the default source, and (given the
# hark program) check that PortAudio sees a capture device through ALSA's pulse plug-in.
# Exit 0 when it works; 1 with the reason otherwise.
# Packages: pulseaudio pulseaudio-utils libasound2-plugins.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/pulse.sh"
if ! pulse_start; then
    echo "virtual microphone: cannot start PulseAudio: $PULSE_WHY" >&2
    pulse_stop
    exit 1
fi
trap pulse_stop EXIT
echo "virtual microphone: PulseAudio up ($PULSE_SERVER), default source hark_mic.monitor"
if [ -n "$1" ]; then
    if ! "$1" devices | grep -q '\*'; then
        echo "virtual microphone: hark sees no default capture device (libasound2-plugins?)" >&2
        "$1" devices >&2
        exit 1
    fi
    echo "virtual microphone: hark devices lists a default capture device"
fi
exit 0
