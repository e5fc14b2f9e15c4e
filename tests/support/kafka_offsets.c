/* kafka_offsets: prints a consumer group's committed offsets for one topic,
 * as one JSON object {"TOPIC/PARTITION": OFFSET, ...} (partitions without a
 * committed offset are left out), for tests that check what sluice commits.
 *
 *   kafka_offsets BROKERS GROUP TOPIC
 *
 * It does not join the group (an OffsetFetch only). Exit 0, or 1 with a
 * message on stderr. */
#include <librdkafka/rdkafka.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: kafka_offsets BROKERS GROUP TOPIC\n");
    return 1;
  }
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], errstr, sizeof errstr) ||
      rd_kafka_conf_set(conf, "group.id", argv[2], errstr, sizeof errstr) ||
      rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr)) {
    fprintf(stderr, "kafka_offsets: %s\n", errstr);
    return 1;
  }
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (rk == NULL) {
    fprintf(stderr, "kafka_offsets: %s\n", errstr);
    return 1;
  }
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, argv[3], NULL);
  const struct rd_kafka_metadata *md = NULL;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, 10000);
  if (err || md->topic_cnt != 1 || md->topics[0].err) {
    fprintf(stderr, "kafka_offsets: metadata of %s: %s\n", argv[3],
            rd_kafka_err2str(err ? err : md->topics[0].err));
    return 1;
  }
  int partitions = md->topics[0].partition_cnt;
  rd_kafka_metadata_destroy(md);
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(list, argv[3], p);
  }
  err = rd_kafka_committed(rk, list, 10000);
  if (err) {
    fprintf(stderr, "kafka_offsets: committed offsets of %s: %s\n", argv[2], rd_kafka_err2str(err));
    return 1;
  }
  printf("{");
  int first = 1;
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t *tp = &list->elems[i];
    if (tp->offset >= 0) {
      printf("%s\"%s/%" PRId32 "\":%" PRId64, first ? "" : ",", tp->topic, tp->partition,
             tp->offset);
      first = 0;
    }
  }
  printf("}\n");
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  return 0;
}
