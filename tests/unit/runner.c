/*
 * Runs every test of em_tests[] in its own child process and prints a
 * summary line "N passed, N failed". An argument runs only the named test
 * in-process (for debuggers).
 */
#include "runner.h"

#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int passed = 0, failed = 0;
  for (const em_test *t = em_tests; t->name; t++) {
    if (argc > 1) {
      if (strcmp(argv[1], t->name) == 0) {
        t->fn();
        printf("ok %s\n", t->name);
        return 0;
      }
      continue;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
      t->fn();
      /* exit, not _exit: LeakSanitizer checks at exit in ASan builds. */
      exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      passed++;
      printf("ok   %s\n", t->name);
    } else {
      failed++;
      if (WIFSIGNALED(status))
        printf("FAIL %s (signal %d)\n", t->name, WTERMSIG(status));
      else
        printf("FAIL %s (exit %d)\n", t->name, WEXITSTATUS(status));
    }
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
