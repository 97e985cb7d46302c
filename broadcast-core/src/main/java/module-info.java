/**
 * broadcast-core: WebSocket fan-out strategies, independent of any WebSocket container. Only the
 * API package is exported; the engine is package-private inside it.
 */
module io.github.broadcast {
  exports io.github.broadcast;

  requires transitive com.fasterxml.jackson.databind;
  requires com.github.benmanes.caffeine;
  requires HdrHistogram;
  requires java.management; // The machine's CPU load, for the server-wide guard.
  requires jdk.management;
}
