/**
 * broadcast-core: WebSocket fan-out strategies, independent of any WebSocket container. Only the
 * API package is exported; the engine is package-private inside it, and the helpers the library's
 * modules share are exported to those modules only.
 */
module io.github.broadcast {
  exports io.github.broadcast;
  // Shared checks and secrets, for the library's own modules only (not API).
  exports io.github.broadcast.internal to
      io.github.broadcast.jakarta,
      io.github.broadcast.tyrus,
      io.github.broadcast.redis,
      io.github.broadcast.micrometer,
      io.github.broadcast.spring;

  requires transitive tools.jackson.databind;
  requires com.github.benmanes.caffeine;
  requires java.management; // The machine's CPU load, for the server-wide guard.
  requires jdk.management;
}
