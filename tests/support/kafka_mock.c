/* kafka_mock: a librdkafka mock cluster as its own process, for tests and
 * benchmarks (DESIGN §6). It prints the bootstrap address on stdout, then
 * serves until SIGTERM or SIGINT.
 *
 *   kafka_mock [--brokers N] [--control FIFO] [TOPIC:PARTITIONS ...]
 *
 * The brokers listen on 127.0.0.1, each on a port the kernel picks. Topics
 * named on the command line are created before the address is printed. With
 * --control, commands are read from FIFO (opened read-write, so writers may
 * come and go), one per line, each answered by "ok SEQ" or "error SEQ: why"
 * appended to FIFO.acks:
 *
 *   SEQ topic NAME PARTITIONS   create a topic
 *   SEQ down                    disconnect every broker and refuse connections
 *   SEQ up                      accept connections again
 *   SEQ produce-errors N CODE   answer the next N produce requests with the
 *                               Kafka error CODE (a number)
 *
 * Limits of the mock (NOTES.md): each partition keeps a bounded log, older
 * message sets are dropped; offsets for timestamps are not looked up. */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int signo) {
  (void)signo;
  stop_requested = 1;
}

static int create_topic(rd_kafka_mock_cluster_t *cluster, const char *spec, char *why,
                        size_t why_size) {
  char name[256];
  const char *colon = strrchr(spec, ':');
  int partitions = 1;
  if (colon != NULL) {
    partitions = atoi(colon + 1);
  }
  size_t len = colon != NULL ? (size_t)(colon - spec) : strlen(spec);
  if (len == 0 || len >= sizeof name || partitions <= 0) {
    snprintf(why, why_size, "bad topic spec '%s' (expected NAME:PARTITIONS)", spec);
    return -1;
  }
  memcpy(name, spec, len);
  name[len] = '\0';
  rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(cluster, name, partitions, 1);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    snprintf(why, why_size, "create topic %s: %s", name, rd_kafka_err2str(err));
    return -1;
  }
  return 0;
}

/* Runs one control line; writes the answer to `acks`. */
static void run_command(rd_kafka_mock_cluster_t *cluster, char *line, FILE *acks) {
  char seq[64] = "?";
  char verb[64] = "";
  char arg1[256] = "";
  char arg2[64] = "";
  char why[512] = "";
  int n = sscanf(line, "%63s %63s %255s %63s", seq, verb, arg1, arg2);
  int rc = 0;
  if (n >= 2 && strcmp(verb, "down") == 0) {
    rc = rd_kafka_mock_broker_set_down(cluster, -1) ? -1 : 0;
    snprintf(why, sizeof why, "set down failed");
  } else if (n >= 2 && strcmp(verb, "up") == 0) {
    rc = rd_kafka_mock_broker_set_up(cluster, -1) ? -1 : 0;
    snprintf(why, sizeof why, "set up failed");
  } else if (n == 4 && strcmp(verb, "produce-errors") == 0) {
    /* ApiKey 0 is Produce. */
    size_t count = (size_t)atoi(arg1);
    rd_kafka_resp_err_t errs[64];
    if (count == 0 || count > 64) {
      rc = -1;
      snprintf(why, sizeof why, "produce-errors takes 1 to 64 errors");
    } else {
      for (size_t i = 0; i < count; i++) {
        errs[i] = (rd_kafka_resp_err_t)atoi(arg2);
      }
      rd_kafka_mock_push_request_errors_array(cluster, 0, count, errs);
    }
  } else if (n == 4 && strcmp(verb, "topic") == 0) {
    char spec[330];
    snprintf(spec, sizeof spec, "%s:%s", arg1, arg2);
    rc = create_topic(cluster, spec, why, sizeof why);
  } else {
    rc = -1;
    snprintf(why, sizeof why, "unknown command");
  }
  if (rc == 0) {
    fprintf(acks, "ok %s\n", seq);
  } else {
    fprintf(acks, "error %s: %s\n", seq, why);
  }
  fflush(acks);
}

/* Reads whatever the control FIFO holds and runs each complete line. */
static void serve_control(rd_kafka_mock_cluster_t *cluster, int fd, FILE *acks, char *buf,
                          size_t *used, size_t size) {
  ssize_t got = read(fd, buf + *used, size - 1 - *used);
  if (got <= 0) {
    return;
  }
  *used += (size_t)got;
  buf[*used] = '\0';
  char *start = buf;
  char *nl;
  while ((nl = strchr(start, '\n')) != NULL) {
    *nl = '\0';
    if (nl > start) {
      run_command(cluster, start, acks);
    }
    start = nl + 1;
  }
  *used = strlen(start);
  memmove(buf, start, *used);
}

int main(int argc, char **argv) {
  int brokers = 3;
  const char *control = NULL;
  int first_topic = argc;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--brokers") == 0 && i + 1 < argc) {
      brokers = atoi(argv[++i]);
    } else if (strcmp(argv[i], "--control") == 0 && i + 1 < argc) {
      control = argv[++i];
    } else {
      first_topic = i;
      break;
    }
  }
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (rk == NULL) {
    fprintf(stderr, "kafka_mock: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t *cluster = rd_kafka_mock_cluster_new(rk, brokers);
  if (cluster == NULL) {
    fprintf(stderr, "kafka_mock: cannot create the mock cluster\n");
    return 1;
  }
  for (int i = first_topic; i < argc; ++i) {
    char why[512];
    if (create_topic(cluster, argv[i], why, sizeof why) != 0) {
      fprintf(stderr, "kafka_mock: %s\n", why);
      return 1;
    }
  }
  int fd = -1;
  FILE *acks = NULL;
  if (control != NULL) {
    char acks_path[4096];
    snprintf(acks_path, sizeof acks_path, "%s.acks", control);
    if ((mkfifo(control, 0600) != 0 && errno != EEXIST) ||
        (fd = open(control, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0 ||
        (acks = fopen(acks_path, "a")) == NULL) {
      fprintf(stderr, "kafka_mock: control %s: %s\n", control, strerror(errno));
      return 1;
    }
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);

  printf("%s\n", rd_kafka_mock_cluster_bootstraps(cluster));
  fflush(stdout);

  char buf[8192];
  size_t used = 0;
  while (!stop_requested) {
    struct pollfd p = {fd, POLLIN, 0};
    int ready = poll(&p, fd >= 0 ? 1 : 0, 200);
    if (ready > 0) {
      serve_control(cluster, fd, acks, buf, &used, sizeof buf);
    }
  }
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(rk);
  if (acks != NULL) {
    fclose(acks);
  }
  return 0;
}
