/*
 * The `ember` command.
 *
 *   ember serve [--host H] [--port P] [--conf k=v ...]
 *
 * starts the Spark Connect server and runs until SIGINT or SIGTERM, then
 * cancels running queries and shuts down cleanly.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "base/base.h"
#include "connect/connect.h"
#include "exec/exec.h"
#include "wasm/wasm.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: ember serve [--host HOST] [--port PORT] [--conf KEY=VALUE ...]\n"
          "\n"
          "  --host HOST        address to listen on (default 127.0.0.1)\n"
          "  --port PORT        port to listen on (default 15002; 0 picks a free one)\n"
          "  --conf KEY=VALUE   a Spark setting applied to every session\n");
}

/* Batches, decoded pages and hash tables are mostly tens of kilobytes to
 * a few megabytes. glibc's defaults serve those above 128 KiB from fresh
 * mappings (one page fault per 4 KiB on first touch, every query) and
 * give freed heap tops back at once; measured, that was 10-15% of the CPU
 * of a short Parquet query. Below 4 MiB they now come from the heap, and
 * up to 16 MiB of a freed heap top stays for the next query. */
static void tune_malloc(void) {
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, 16 << 20);
#endif
}

static int serve(int argc, char **argv) {
  tune_malloc();
  const char *host = "127.0.0.1";
  int port = 15002;
  const char **keys = calloc((size_t)argc + 1, sizeof *keys);
  const char **vals = calloc((size_t)argc + 1, sizeof *vals);
  int nconf = 0;
  if (!keys || !vals) return 1;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--host") == 0 && i + 1 < argc) {
      host = argv[++i];
    } else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      port = atoi(argv[++i]);
    } else if (strcmp(argv[i], "--conf") == 0 && i + 1 < argc) {
      char *kv = argv[++i];
      char *eq = strchr(kv, '=');
      if (!eq) {
        fprintf(stderr, "ember: --conf expects KEY=VALUE, got %s\n", kv);
        return 2;
      }
      *eq = '\0';
      keys[nconf] = kv;
      vals[nconf++] = eq + 1;
    } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return 0;
    } else {
      fprintf(stderr, "ember: unknown argument %s\n", argv[i]);
      usage(stderr);
      return 2;
    }
  }
  /* Block the stop signals in every thread; the main thread waits for them. */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);

  em_connect_opts opts = {.host = host, .port = port, .conf_keys = keys, .conf_vals = vals, .nconf = nconf};
  em_error err;
  em_connect *c = em_connect_start(&opts, &err);
  if (!c) {
    fprintf(stderr, "ember: cannot start the server: %s\n", err.msg);
    free(keys);
    free(vals);
    return 1;
  }
  fprintf(stderr, "ember: Spark Connect server listening on sc://%s:%d\n", host, em_connect_port(c));
  int sig = 0;
  sigwait(&set, &sig);
  fprintf(stderr, "ember: %s received, shutting down\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  em_connect_stop(c);
  em_pool_shutdown();
  em_wasm_shutdown();
  free(keys);
  free(vals);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "serve") == 0) return serve(argc - 2, argv + 2);
  if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    usage(stdout);
    return 0;
  }
  usage(stderr);
  return 2;
}
