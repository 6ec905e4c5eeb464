/* test_skills.c - the built-in skills through the public assistant API, with the clock fixed:
 * time, date, arithmetic, timers (set, list, cancel, due), lights and the device-state file
 * (persistence, leftovers of a crash mid-write, a process killed while saving), help, repeat,
 * and the fallback for rejected sentences. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

static const char SKILLS_INI[] =
    "$room = (kitchen | bedroom | living room | lounge:(living room))\n"
    "[GetTime]\nwhat time is it\nskill: time\nresponse: It is {time}.\n"
    "[GetDate]\nwhat is the date\nskill: date\nresponse: Today is {date}.\n"
    "[SetTimer]\nset a timer for (1..99){minutes} minutes\n"
    "set a timer for (1..99){seconds} seconds\nskill: timer.set\n"
    "response: Timer {id} set for {duration}.\n"
    "[CancelTimer]\ncancel the timer\ncancel timer number (1..9){timer}\nskill: timer.cancel\n"
    "response: Cancelled {count}.\n"
    "[ListTimers]\nlist the timers\nskill: timer.list\nresponse: {timers}.\n"
    "[LightsOn]\nturn on the $room{room} light\nturn on all the lights\nskill: lights.on\n"
    "response: On {where}.\n"
    "[LightsOff]\nturn off the $room{room} light\nturn off all the lights\nskill: lights.off\n"
    "response: Off {where}.\n"
    "[Status]\nwhich lights are on\nskill: lights.status\nresponse: {lights}.\n"
    "[Calculate]\nwhat is (0..99){a} (plus | minus | times | (divided by):divided){op} (0..99){b}\n"
    "skill: calculate\nresponse: {expression} is {result}.\n"
    "[Help]\nhelp\nskill: help\nresponse: {help}\n"
    "[Repeat]\nrepeat that\nskill: repeat\nresponse: I said: {last}\n"
    "[Stop]\nstop\nskill: stop\nresponse: Stopped.\n"
    "[Hello]\nhello there\n";

static const time_t T0 = 1764000000; /* Monday 24 November 2025, 16:00:00 UTC */

static hark_assistant *load(const char *state_path)
{
    hark_assistant_params p = hark_assistant_default_params();
    p.state_path = state_path;
    p.per_class = 200; /* a small file: a small model trains faster and is still exact */
    p.epochs = 4;
    hark_assistant *a = hark_assistant_load_text(SKILLS_INI, "skills.ini", &p);
    if (!a)
        fail_msg("%s", hark_last_error());
    return a;
}

static void says(hark_assistant *a, const char *text, time_t now, const char *intent,
                 const char *response)
{
    hark_intent_result r;
    assert_int_equal(hark_assistant_handle(a, text, now, &r), HARK_OK);
    if (strcmp(r.intent, intent))
        fail_msg("\"%s\": intent %s, want %s", text, r.intent, intent);
    if (response && strcmp(r.response, response))
        fail_msg("\"%s\": response \"%s\", want \"%s\"", text, r.response, response);
}

static int setup(void **state)
{
    (void)state;
    setenv("TZ", "UTC", 1);
    tzset();
    return 0;
}

static void test_time_and_date(void **state)
{
    (void)state;
    hark_assistant *a = load(NULL);
    says(a, "what time is it", T0, "GetTime", "It is 4:00 PM.");
    says(a, "What time is it?", T0 + 8 * 3600 + 5 * 60, "GetTime", "It is 12:05 AM.");
    says(a, "what time is it", T0 - 4 * 3600 - 59 * 60, "GetTime", "It is 11:01 AM.");
    says(a, "what is the date", T0, "GetDate", "Today is Monday, November 24, 2025.");
    says(a, "what is the date", T0 + 8 * 86400, "GetDate", "Today is Tuesday, December 2, 2025.");
    hark_assistant_free(a);
}

static void test_calculate(void **state)
{
    (void)state;
    hark_assistant *a = load(NULL);
    says(a, "what is 7 plus 5", T0, "Calculate", "7 plus 5 is 12.");
    says(a, "what is three minus ten", T0, "Calculate", "3 minus 10 is -7.");
    says(a, "what is 12 times 12", T0, "Calculate", "12 times 12 is 144.");
    says(a, "what is 7 divided by 2", T0, "Calculate", "7 divided by 2 is 3.5.");
    says(a, "what is 1 divided by 3", T0, "Calculate", "1 divided by 3 is 0.3333.");
    says(a, "what is 9 divided by 0", T0, "Calculate", "I can't divide by zero.");
    hark_assistant_free(a);
}

static void test_timers(void **state)
{
    (void)state;
    hark_assistant *a = load(NULL);
    hark_timer t[4];
    assert_int_equal(hark_assistant_timers(a, t, 4), 0);
    assert_int_equal(hark_assistant_next_timer(a, T0), -1);
    /* An empty table (never allocated) hands out nothing; UBSan checks no NULL reaches memmove. */
    assert_int_equal(hark_assistant_due_timers(a, T0, t, 4), 0);
    assert_int_equal(hark_assistant_due_timers(a, T0, NULL, 0), 0);
    says(a, "list the timers", T0, "ListTimers", "You have no timers.");
    says(a, "cancel the timer", T0, "CancelTimer", "There are no timers to cancel.");
    says(a, "set a timer for 5 minutes", T0, "SetTimer", "Timer 1 set for 5 minutes.");
    says(a, "set a timer for ninety seconds", T0, "SetTimer",
         "Timer 2 set for 1 minute 30 seconds.");
    says(a, "set a timer for 1 minutes", T0 + 10, "SetTimer", "Timer 3 set for 1 minute.");
    /* Sorted by due time: timer 3 (T0+70), timer 2 (T0+90), timer 1 (T0+300). */
    assert_int_equal(hark_assistant_timers(a, t, 4), 3);
    assert_int_equal(t[0].id, 3);
    assert_int_equal(t[1].id, 2);
    assert_int_equal(t[2].id, 1);
    assert_true(t[2].due == T0 + 300 && t[2].seconds == 300);
    assert_string_equal(t[1].label, "1 minute 30 seconds");
    says(a, "list the timers", T0 + 30, "ListTimers",
         "3 timers: 1 minute with 40 seconds left; 1 minute 30 seconds with 1 minute left; "
         "5 minutes with 4 minutes 30 seconds left.");
    assert_int_equal(hark_assistant_next_timer(a, T0 + 30), 40);
    /* Nothing due before T0+70; then exactly the due ones leave the table. */
    assert_int_equal(hark_assistant_due_timers(a, T0 + 69, t, 4), 0);
    assert_int_equal(hark_assistant_due_timers(a, T0 + 95, t, 1), 2); /* two due, room for one */
    assert_int_equal(t[0].id, 3);
    assert_int_equal(hark_assistant_timers(a, NULL, 0), 2);
    assert_int_equal(hark_assistant_due_timers(a, T0 + 95, t, 4), 1);
    assert_int_equal(t[0].id, 2);
    assert_int_equal(hark_assistant_next_timer(a, T0 + 400), 0); /* timer 1 overdue */
    says(a, "cancel timer number 7", T0 + 100, "CancelTimer", "There is no timer number 7.");
    says(a, "cancel timer number 1", T0 + 100, "CancelTimer", "Cancelled 1.");
    assert_int_equal(hark_assistant_timers(a, t, 4), 0);
    says(a, "set a timer for 2 minutes", T0, "SetTimer", "Timer 4 set for 2 minutes.");
    says(a, "set a timer for 3 minutes", T0, "SetTimer", "Timer 5 set for 3 minutes.");
    says(a, "cancel the timer", T0, "CancelTimer", "Cancelled 2.");
    assert_int_equal(hark_assistant_due_timers(a, T0 + 100000, t, 4), 0);
    hark_assistant_free(a);
}

static char *state_file(const char *name)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", tu_tmpdir(), name);
    return path;
}

static void test_lights_persist(void **state)
{
    (void)state;
    char path[4096];
    /* A directory that does not exist yet: created on the first save. */
    snprintf(path, sizeof path, "%s/sub/dir/state.json", tu_tmpdir());
    hark_assistant *a = load(path);
    assert_int_equal(hark_assistant_light(a, "kitchen"), -1);
    assert_int_equal(access(path, F_OK), -1); /* nothing written before a change */
    says(a, "turn on the kitchen light", T0, "LightsOn", "On in the kitchen.");
    says(a, "turn on the lounge light", T0, "LightsOn", "On in the living room.");
    assert_int_equal(hark_assistant_light(a, "kitchen"), 1);
    assert_int_equal(hark_assistant_light(a, "living room"), 1);
    assert_int_equal(hark_assistant_light(a, "bedroom"), -1);
    says(a, "which lights are on", T0, "Status", "the lights are on in: kitchen, living room.");
    hark_assistant_free(a);
    size_t n;
    char *json = tu_read_file(path, &n);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"kitchen\":\ttrue"));
    free(json);
    /* A restart sees the same state. */
    a = load(path);
    assert_int_equal(hark_assistant_light(a, "kitchen"), 1);
    assert_int_equal(hark_assistant_light(a, "living room"), 1);
    says(a, "turn off the kitchen light", T0, "LightsOff", "Off in the kitchen.");
    hark_assistant_free(a);
    a = load(path);
    assert_int_equal(hark_assistant_light(a, "kitchen"), 0);
    /* "all" reaches every room the file knows. */
    says(a, "turn off all the lights", T0, "LightsOff", "Off everywhere.");
    says(a, "which lights are on", T0, "Status", "all lights are off.");
    says(a, "turn on all the lights", T0, "LightsOn", "On everywhere.");
    assert_int_equal(hark_assistant_light(a, "bedroom"), 1);
    assert_int_equal(hark_assistant_light(a, "living room"), 1);
    hark_assistant_free(a);
}

static void test_state_crash_leftovers(void **state)
{
    (void)state;
    char *path = state_file("crash.json");
    hark_assistant *a = load(path);
    says(a, "turn on the bedroom light", T0, "LightsOn", NULL);
    hark_assistant_free(a);
    /* A crash mid-write leaves a partial temporary file next to the state: it must be ignored
     * and must not stop later saves. */
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.Ab12Cd", path);
    const char partial[] = "{\n\t\"lights\":\t{\n\t\t\"bedroom\":\tfal";
    assert_int_equal(tu_write_file(tmp, partial, sizeof partial - 1), 0);
    a = load(path);
    assert_int_equal(hark_assistant_light(a, "bedroom"), 1);
    says(a, "turn off the bedroom light", T0, "LightsOff", NULL);
    hark_assistant_free(a);
    a = load(path);
    assert_int_equal(hark_assistant_light(a, "bedroom"), 0);
    hark_assistant_free(a);
    /* A state file that is itself damaged is reported, naming the file. */
    char *bad = state_file("bad.json");
    assert_int_equal(tu_write_file(bad, "{\"lights\": {\"x\": tr", 19), 0);
    hark_assistant_params p = hark_assistant_default_params();
    p.state_path = bad;
    assert_null(hark_assistant_load_text(SKILLS_INI, "skills.ini", &p));
    assert_non_null(strstr(hark_last_error(), bad));
    assert_int_equal(tu_write_file(bad, "{\"lights\": {\"x\": 3}}", 20), 0);
    assert_null(hark_assistant_load_text(SKILLS_INI, "skills.ini", &p));
    assert_non_null(strstr(hark_last_error(), "true or false"));
    assert_int_equal(tu_write_file(bad, "{\"version\": 9}", 14), 0);
    assert_null(hark_assistant_load_text(SKILLS_INI, "skills.ini", &p));
    assert_non_null(strstr(hark_last_error(), "newer"));
}

static void test_state_save_failure(void **state)
{
    (void)state;
    /* The state file's directory is replaced by a regular file after start-up: the answer is
     * still given, the light still changes in memory, and the failure is reported. A parent
     * that is not a directory at start-up stops the load instead. */
    char *dir = state_file("later-a-file");
    char path[4200];
    snprintf(path, sizeof path, "%s/state.json", dir);
    hark_assistant *a = load(path);
    assert_int_equal(tu_write_file(dir, "x", 1), 0);
    hark_intent_result r;
    assert_int_equal(hark_assistant_handle(a, "turn on the kitchen light", T0, &r), HARK_ERR_IO);
    assert_string_equal(r.intent, "LightsOn");
    assert_string_equal(r.response, "On in the kitchen.");
    assert_non_null(strstr(hark_last_error(), path));
    assert_int_equal(hark_assistant_light(a, "kitchen"), 1);
    hark_assistant_free(a);
    hark_assistant_params p = hark_assistant_default_params();
    p.state_path = path;
    assert_null(hark_assistant_load_text(SKILLS_INI, "skills.ini", &p));
    assert_non_null(strstr(hark_last_error(), path));
}

static void test_state_killed_while_saving(void **state)
{
    (void)state;
    /* A child toggles a light (each toggle rewrites the file) until it is killed at an
     * arbitrary moment; the file must always read back as a complete state. */
    char *path = state_file("killed.json");
    hark_assistant *a = load(path);
    says(a, "turn on the kitchen light", T0, "LightsOn", NULL);
    for (int round = 0; round < 4; round++) {
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            hark_intent_result r;
            for (int i = 0;; i++)
                hark_assistant_handle(a, i % 2 ? "turn on the kitchen light"
                                                : "turn off the kitchen light", T0, &r);
        }
        struct timespec ts = {0, 20000000L + 7000000L * round};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        assert_true(WIFSIGNALED(status));
        hark_assistant *b = load(path);
        int on = hark_assistant_light(b, "kitchen");
        assert_true(on == 0 || on == 1);
        hark_assistant_free(b);
    }
    hark_assistant_free(a);
}

static void test_help_repeat_fallback(void **state)
{
    (void)state;
    hark_assistant *a = load(NULL);
    says(a, "repeat that", T0, "Repeat", "I have not said anything yet.");
    hark_intent_result r;
    assert_int_equal(hark_assistant_handle(a, "help", T0, &r), HARK_OK);
    assert_string_equal(r.intent, "Help");
    /* Help lists a sentence of every other intent, from the file. */
    assert_non_null(strstr(r.response, "what time is it"));
    assert_non_null(strstr(r.response, "set a timer for one minutes"));
    assert_non_null(strstr(r.response, "turn on the kitchen light"));
    assert_non_null(strstr(r.response, "hello there"));
    assert_null(strstr(r.response, "; help"));
    says(a, "what time is it", T0, "GetTime", "It is 4:00 PM.");
    says(a, "repeat that", T0, "Repeat", "I said: It is 4:00 PM.");
    says(a, "repeat that", T0, "Repeat", "I said: It is 4:00 PM."); /* not "I said: I said" */
    says(a, "stop", T0, "Stop", "Stopped.");
    /* An intent without a response or skill says "Okay.". */
    says(a, "hello there", T0, "Hello", "Okay.");
    assert_int_equal(hark_assistant_handle(a, "what is the weather like today", T0, &r), HARK_OK);
    assert_string_equal(r.intent, "none");
    assert_int_equal(r.n_slots, 0);
    assert_non_null(strstr(r.response, "Sorry"));
    assert_int_equal(hark_assistant_handle(a, "", T0, &r), HARK_OK);
    assert_string_equal(r.intent, "none");
    assert_int_equal(hark_assistant_handle(a, NULL, T0, &r), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_assistant_handle(NULL, "help", T0, &r), HARK_ERR_INVALID_ARG);
    hark_assistant_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_and_date),
        cmocka_unit_test(test_calculate),
        cmocka_unit_test(test_timers),
        cmocka_unit_test(test_lights_persist),
        cmocka_unit_test(test_state_crash_leftovers),
        cmocka_unit_test(test_state_save_failure),
        cmocka_unit_test(test_state_killed_while_saving),
        cmocka_unit_test(test_help_repeat_fallback),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
