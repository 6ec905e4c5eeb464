/* peak_rss.c - a helper of the CLI tests (not a test itself): runs a command and prints the peak
 * resident set size of it in kilobytes (getrusage of the waited-for child: ru_maxrss), so a test
 * can compare the memory of two runs without depending on GNU time.
 *
 * usage: peak_rss COMMAND [ARGS...]   exit status: the command's (128 + signal if killed) */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: peak_rss COMMAND [ARGS...]\n");
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("peak_rss: fork");
        return 2;
    }
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        perror("peak_rss: exec");
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) {
        perror("peak_rss: wait");
        return 2;
    }
    printf("%ld\n", ru.ru_maxrss);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}
