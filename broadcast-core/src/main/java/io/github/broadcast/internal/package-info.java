/**
 * Not API: helpers that the library's own modules share, so that a rule lives in one place (an
 * option's check and its message, a secret's comparison and decoding). The module descriptor
 * exports this package only to the library's modules ({@code exports ... to}); on the class path it
 * is reachable, but it may change in any release without notice.
 */
package io.github.broadcast.internal;
