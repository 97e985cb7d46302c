package io.github.broadcast;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Which topics a client receives: every topic ({@link #all()}, the default), some named ones
 * ({@link #of}), or those whose name matches a glob ({@link #matching}). A value: equal instances
 * are interchangeable, and a broadcaster encodes each publish once for all clients whose topics are
 * equal, so give clients that see the same thing equal {@code Topics}.
 *
 * <p>A broadcaster sorts sessions into topics with {@link Broadcasters.Builder#topics}; without it
 * every session is in no topic, and only clients of {@link #all()} receive anything.
 *
 * <p>Globs: {@code *} matches any run of characters (none included), {@code ?} exactly one; every
 * other character matches itself. {@code matching("team-*")} includes {@code team-a}, not {@code
 * team}.
 */
public final class Topics {

  /** The longest topic name or glob accepted, in chars. */
  public static final int MAX_NAME_LENGTH = 256;

  private static final Topics ALL = new Topics(true, Set.of(), List.of());
  private static final Topics NONE = new Topics(false, Set.of(), List.of());

  private final boolean all;
  private final Set<String> names; // Sorted, unmodifiable.
  private final List<String> globs; // Sorted, distinct, unmodifiable.
  private final Pattern pattern; // The globs as one pattern; null without globs.

  private Topics(boolean all, Set<String> names, List<String> globs) {
    this.all = all;
    this.names = names;
    this.globs = globs;
    this.pattern = globs.isEmpty() ? null : Pattern.compile(regex(globs), Pattern.DOTALL);
  }

  /** Returns every topic, sessions in no topic included: what a client receives by default. */
  public static Topics all() {
    return ALL;
  }

  /** Returns no topic at all: a client with it receives no session. */
  public static Topics none() {
    return NONE;
  }

  /**
   * Returns the topics named, exactly.
   *
   * @throws IllegalArgumentException if a name is blank or longer than {@link #MAX_NAME_LENGTH}
   */
  public static Topics of(String... names) {
    return of(Arrays.asList(requireNonNull(names, "names")));
  }

  /**
   * Returns the topics named, exactly; an empty collection is {@link #none()}.
   *
   * @throws IllegalArgumentException if a name is blank or longer than {@link #MAX_NAME_LENGTH}
   */
  public static Topics of(Collection<String> names) {
    requireNonNull(names, "names");
    TreeSet<String> sorted = new TreeSet<>();
    for (String name : names) {
      sorted.add(checkName("topic", name));
    }
    return sorted.isEmpty()
        ? NONE
        : new Topics(false, Collections.unmodifiableSet(sorted), List.of());
  }

  /**
   * Returns every topic whose name matches one of {@code globs} ({@code *} any run, {@code ?} one
   * character); a glob of {@code *} alone is {@link #all()} but for sessions in no topic.
   *
   * @throws IllegalArgumentException if a glob is blank or longer than {@link #MAX_NAME_LENGTH}
   */
  public static Topics matching(String... globs) {
    requireNonNull(globs, "globs");
    TreeSet<String> sorted = new TreeSet<>();
    for (String glob : globs) {
      sorted.add(checkName("glob", glob));
    }
    return sorted.isEmpty() ? NONE : new Topics(false, Set.of(), List.copyOf(sorted));
  }

  /** Returns whether a session in {@code topic} (null: in no topic) is among these topics. */
  public boolean includes(String topic) {
    if (all) {
      return true;
    }
    if (topic == null) {
      return false;
    }
    return names.contains(topic) || (pattern != null && pattern.matcher(topic).matches());
  }

  /** Returns whether these are {@link #all()}. */
  public boolean isAll() {
    return all;
  }

  /** Returns whether these are {@link #none()}: no name and no glob. */
  public boolean isNone() {
    return !all && names.isEmpty() && globs.isEmpty();
  }

  /** Returns the names given to {@link #of}, sorted; empty for the others. */
  public Set<String> names() {
    return names;
  }

  /** Returns the globs given to {@link #matching}, sorted; empty for the others. */
  public List<String> globs() {
    return globs;
  }

  /**
   * Returns whether every topic of {@code other} is among these: always for {@link #all()}; for
   * named topics, each name must be included; globs are covered only by {@link #all()} or the same
   * glob (a glob's topics cannot be listed).
   */
  public boolean covers(Topics other) {
    requireNonNull(other, "other");
    if (all) {
      return true;
    }
    if (other.all) {
      return false;
    }
    for (String name : other.names) {
      if (!includes(name)) {
        return false;
      }
    }
    return globs.containsAll(other.globs);
  }

  /**
   * The keys a gauge of subscribers counts a client with these topics under: each name, each glob
   * as written, and {@code (all)} for all.
   */
  List<String> keys() {
    if (all) {
      return List.of("(all)");
    }
    List<String> keys = new ArrayList<>(names.size() + globs.size());
    keys.addAll(names);
    keys.addAll(globs);
    return keys;
  }

  /**
   * A digest of {@code topics}, in letters and digits: 64 bits of SHA-256 of a canonical form (the
   * kind, then each name or glob with its length), so that no two values share one.
   */
  static String digest(Topics topics) {
    StringBuilder canonical = new StringBuilder(topics.all ? "all" : "of");
    for (String name : topics.names) {
      canonical.append('/').append(name.length()).append(':').append(name);
    }
    canonical.append(";matching");
    for (String glob : topics.globs) {
      canonical.append('/').append(glob.length()).append(':').append(glob);
    }
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] hash = sha.digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
      return Long.toString(ByteBuffer.wrap(hash).getLong() >>> 1, Character.MAX_RADIX);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static String checkName(String what, String name) {
    requireNonNull(name, what);
    if (name.isBlank() || name.length() > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException(
          what
              + " : "
              + (name.length() > 64 ? name.substring(0, 64) + "..." : "\"" + name + "\"")
              + " (expected: 1 to "
              + MAX_NAME_LENGTH
              + " characters, not all spaces)");
    }
    return name;
  }

  private static String regex(List<String> globs) {
    StringBuilder regex = new StringBuilder();
    for (String glob : globs) {
      if (regex.length() > 0) {
        regex.append('|');
      }
      regex.append("(?:");
      StringBuilder literal = new StringBuilder();
      for (int i = 0; i < glob.length(); i++) {
        char c = glob.charAt(i);
        if (c == '*' || c == '?') {
          if (literal.length() > 0) {
            regex.append(Pattern.quote(literal.toString()));
            literal.setLength(0);
          }
          regex.append(c == '*' ? ".*" : ".");
        } else {
          literal.append(c);
        }
      }
      if (literal.length() > 0) {
        regex.append(Pattern.quote(literal.toString()));
      }
      regex.append(')');
    }
    return regex.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Topics
        && all == ((Topics) o).all
        && names.equals(((Topics) o).names)
        && globs.equals(((Topics) o).globs);
  }

  @Override
  public int hashCode() {
    return Boolean.hashCode(all) * 31 * 31 + names.hashCode() * 31 + globs.hashCode();
  }

  /** Returns {@code Topics[*]}, {@code Topics[]}, or the names and globs, sorted. */
  @Override
  public String toString() {
    return "Topics" + (all ? "[*]" : keys().toString());
  }
}
