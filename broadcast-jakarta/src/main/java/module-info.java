/**
 * broadcast-jakarta: a Broadcaster on Jakarta WebSocket (JSR-356) sessions, for any container. Only
 * the API package is exported.
 */
module io.github.broadcast.jakarta {
  exports io.github.broadcast.jakarta;

  requires transitive io.github.broadcast;
  requires transitive jakarta.websocket;
}
