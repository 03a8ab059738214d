/*
 * connect: the Spark Connect service. Decodes protocol messages, keeps
 * sessions, operations, configuration and artifacts, turns plans into spec
 * trees for the engine and engine results into protocol responses. Only
 * this layer sees protobuf structs; only server/ sees gRPC.
 */
#ifndef EM_CONNECT_H
#define EM_CONNECT_H

#include "../base/base.h"

typedef struct em_connect em_connect;

typedef struct em_connect_opts {
  const char *host;
  int port;               /* 0 = any free port */
  const char **conf_keys; /* server-wide settings (--conf k=v) */
  const char **conf_vals;
  int nconf;
} em_connect_opts;

/* Starts the Spark Connect server; NULL with err set when it cannot bind. */
em_connect *em_connect_start(const em_connect_opts *opts, em_error *err);
int em_connect_port(const em_connect *c);
/* Cancels running operations, closes sessions, stops the server, frees. */
void em_connect_stop(em_connect *c);

#endif
