/* cmd_devices.c - 'hark devices': the audio devices PortAudio sees, with the index and name that
 * 'hark listen --device' accepts. */
#include <getopt.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "cli/cli_audio.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: hark devices [--all] [--json]\n\n"
               "Lists audio capture devices: index, name, default rate, input channels.\n"
               "'hark listen --device' takes the index or part of the name.\n\n"
               "  -a, --all    also list playback-only devices (default: capture devices only)\n"
               "      --json   one JSON object per device\n"
               "  -h, --help   this help\n");
}

int cmd_devices(int argc, char **argv)
{
    static const struct option opts[] = {{"all", no_argument, NULL, 'a'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int all = 0, json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ah", opts, NULL)) != -1) {
        switch (c) {
        case 'a': all = 1; break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    if (optind < argc) {
        cli_error("devices", "unexpected argument '%s'", argv[optind]);
        return CLI_USAGE;
    }
    if (cli_audio_init("devices") != 0)
        return CLI_FAIL;
    int n = hark_device_count();
    if (n < 0) {
        cli_error("devices", "%s", hark_last_error());
        cli_audio_terminate();
        return CLI_FAIL;
    }
    int shown = 0;
    if (!json)
        printf("%5s  %-40s %10s %4s %4s  %s\n", "index", "name", "rate", "in", "out", "host API");
    for (int i = 0; i < n; i++) {
        hark_device_info d;
        if (hark_device_get(i, &d) != HARK_OK || (!all && d.max_input_channels < 1))
            continue;
        shown++;
        if (json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddNumberToObject(o, "index", d.index);
            cJSON_AddStringToObject(o, "name", d.name);
            cJSON_AddNumberToObject(o, "default_rate", d.default_rate);
            cJSON_AddNumberToObject(o, "input_channels", d.max_input_channels);
            cJSON_AddNumberToObject(o, "output_channels", d.max_output_channels);
            cJSON_AddStringToObject(o, "host_api", d.host_api);
            cJSON_AddBoolToObject(o, "default_input", d.is_default_input);
            char *s = cJSON_PrintUnformatted(o);
            if (s)
                puts(s);
            cJSON_free(s);
            cJSON_Delete(o);
        } else {
            printf("%5d%c %-40.40s %10.0f %4d %4d  %s\n", d.index, d.is_default_input ? '*' : ' ',
                   d.name, d.default_rate, d.max_input_channels, d.max_output_channels, d.host_api);
        }
    }
    if (!json)
        printf(shown ? "(* = default input)\n" : "no capture devices found\n");
    cli_audio_terminate();
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("devices", "cannot write to standard output");
        return CLI_FAIL;
    }
    return CLI_OK;
}
