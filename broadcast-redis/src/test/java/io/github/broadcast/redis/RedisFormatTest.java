package io.github.broadcast.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.broadcast.redis.RedisFormat.Entry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.JsonNodeFactory;

/** The stored format and the reconcile's arguments, without Redis. */
final class RedisFormatTest {

  @Test
  void entry_encodesAndDecodes_tombstonesIncluded() {
    Entry live =
        new Entry(
            12,
            1_700_000_000_000L,
            "hook-1",
            JsonNodeFactory.instance.objectNode().put("status", "line\nbreak"));
    Entry tombstone = new Entry(13, 1_700_000_000_001L, "rm-1", null);

    assertThat(RedisFormat.decode(live.encode())).isEqualTo(live);
    assertThat(RedisFormat.decode(tombstone.encode())).isEqualTo(tombstone);
    String message = "session-1\n" + live.encode();
    assertThat(RedisFormat.messageId(message)).isEqualTo("session-1");
    assertThat(RedisFormat.messageEntry(message)).isEqualTo(live);
  }

  @Test
  void decode_malformed_failsNamingWhatItRead() {
    assertThatThrownBy(() -> RedisFormat.decode("12\nno-more-fields"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("malformed");
    assertThatThrownBy(() -> RedisFormat.decode("1\n2\nc\n[1]"))
        .hasMessageContaining("not a JSON object");
  }

  @Test
  void reconcileArguments_chunkTheView_andAlwaysRaiseTheCounterOnce() {
    assertThat(Replication.reconcileArguments(List.of(), 42, "ch", 4000))
        .as("an empty view still raises the counter")
        .singleElement()
        .satisfies(args -> assertThat(args).containsExactly("42", "ch", "4000"));

    List<Map.Entry<String, Entry>> entries = new ArrayList<>();
    for (int i = 0; i < Replication.RECONCILE_CHUNK + 1; i++) {
      entries.add(Map.entry("s" + i, new Entry(i + 1, 0, "c" + i, null)));
    }
    List<String[]> calls = Replication.reconcileArguments(entries, 300, "ch", 4000);
    assertThat(calls).hasSize(2);
    assertThat(calls.get(0)).hasSize(3 + 5 * Replication.RECONCILE_CHUNK);
    assertThat(calls.get(1)).containsExactly("300", "ch", "4000", "s200", "201", "0", "c200", "");
  }
}
