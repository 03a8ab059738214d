/*
 * The `ember` command: `ember serve` starts the Spark Connect server.
 */
#include <stdio.h>
#include <string.h>

#include "base/base.h"

int main(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "serve") != 0) {
    fprintf(stderr, "usage: ember serve [--host H] [--port P] [--conf k=v ...]\n");
    return 2;
  }
  return 0;
}
