/**
 * Several server nodes, one stream of session updates and one view: {@link
 * io.github.broadcast.redis.RedisSessionStore} keeps the latest state of every session in Redis,
 * assigns global versions atomically, and carries every change to every node over pub/sub.
 */
package io.github.broadcast.redis;
