package io.github.broadcast.examples.dashboard.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * The command-line grammar both example programs share (the dashboard and the load test), on
 * picocli: {@code --name value} and {@code --name=value}; every flag also read from an environment
 * variable ({@code PREFIX_NAME}), the command line winning; generated help listing each flag with
 * its variable and default; and old names kept as deprecated aliases, each use of one reported as a
 * warning naming the new one. Values stay text here: each program checks its own, with messages
 * that name the flag.
 *
 * <p>Immutable once built; thread-safe.
 */
public final class Flags {

  private final String command;
  private final String description;
  private final String envPrefix;
  private final List<Flag> flags;
  private final List<Flag> toggles;
  private final Map<String, String> renamed; // Old name to new, both without dashes.

  private Flags(Builder builder) {
    this.command = builder.command;
    this.description = builder.description;
    this.envPrefix = builder.envPrefix;
    this.flags = List.copyOf(builder.flags);
    this.toggles = List.copyOf(builder.toggles);
    this.renamed = Collections.unmodifiableMap(new LinkedHashMap<>(builder.renamed));
  }

  /** Starts the flags of {@code command}, whose variables are {@code envPrefix + NAME}. */
  public static Builder newBuilder(String command, String description, String envPrefix) {
    return new Builder(command, description, envPrefix);
  }

  /** One flag: its name (without dashes), the label of its value, its default and its help. */
  private record Flag(
      String name,
      String label,
      String defaultValue,
      String help,
      boolean optional,
      boolean repeatable) {}

  /** What a command line and an environment said. */
  public static final class Result {
    private final Map<String, String> values;
    private final Set<String> given;
    private final Set<String> toggled;
    private final List<String> warnings;

    private Result(
        Map<String, String> values, Set<String> given, Set<String> toggled, List<String> warnings) {
      this.values = values;
      this.given = given;
      this.toggled = toggled;
      this.warnings = warnings;
    }

    /**
     * The value of flag {@code name}: the command line's, else the environment's, else its default.
     */
    public String get(String name) {
      if (!values.containsKey(name)) {
        throw new IllegalArgumentException("no flag --" + name);
      }
      return values.get(name);
    }

    /** Whether {@code name} came from the command line or the environment, not its default. */
    public boolean given(String name) {
      return given.contains(name);
    }

    /**
     * Whether the switch (or the flag with an optional value) {@code name} was on the command line.
     */
    public boolean toggled(String name) {
      return toggled.contains(name);
    }

    /** One line for each deprecated name used, naming the new one. */
    public List<String> warnings() {
      return warnings;
    }
  }

  /**
   * Reads {@code args} over {@code env}.
   *
   * @throws IllegalArgumentException naming the flag: an unknown one, or one without its value
   */
  public Result parse(String[] args, Map<String, String> env) {
    CommandLine line = new CommandLine(spec()).setOverwrittenOptionsAllowed(true);
    ParseResult parsed;
    try {
      parsed = line.parseArgs(args);
    } catch (CommandLine.UnmatchedArgumentException e) {
      String first = e.getUnmatched().isEmpty() ? "?" : e.getUnmatched().get(0);
      int eq = first.indexOf('=');
      String name = eq > 0 ? first.substring(0, eq) : first;
      throw new IllegalArgumentException(
          name
              + (name.startsWith("-") ? " : unknown option" : " : unexpected argument")
              + " (see --help)",
          e);
    } catch (CommandLine.MissingParameterException e) {
      String name =
          e.getMissing().isEmpty() || !(e.getMissing().get(0) instanceof OptionSpec)
              ? "?"
              : ((OptionSpec) e.getMissing().get(0)).longestName();
      throw new IllegalArgumentException(name + " : missing value", e);
    } catch (ParameterException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    List<String> warnings = new ArrayList<>();
    for (String arg : args) {
      for (Map.Entry<String, String> rename : renamed.entrySet()) {
        String old = "--" + rename.getKey();
        if (arg.equals(old) || arg.startsWith(old + "=")) {
          warnings.add(deprecation(old, "--" + rename.getValue()));
        }
      }
    }
    Map<String, String> values = new LinkedHashMap<>();
    Set<String> given = new HashSet<>();
    for (Flag flag : flags) {
      String value = null;
      if (parsed.hasMatchedOption("--" + flag.name())) {
        value =
            flag.repeatable()
                ? String.join("\n", parsed.matchedOptionValue("--" + flag.name(), List.of()))
                : parsed.matchedOptionValue("--" + flag.name(), "");
      }
      for (Map.Entry<String, String> rename : renamed.entrySet()) {
        if (value == null
            && rename.getValue().equals(flag.name())
            && parsed.hasMatchedOption("--" + rename.getKey())) {
          value = parsed.matchedOptionValue("--" + rename.getKey(), "");
        }
      }
      if (value == null) {
        value = env.get(env(flag.name()));
        for (Map.Entry<String, String> rename : renamed.entrySet()) {
          if (value == null && rename.getValue().equals(flag.name())) {
            value = env.get(env(rename.getKey()));
            if (value != null) {
              warnings.add(deprecation(env(rename.getKey()), env(flag.name())));
            }
          }
        }
      }
      if (value != null) {
        given.add(flag.name());
      }
      values.put(flag.name(), value != null ? value : flag.defaultValue());
    }
    Set<String> toggled = new HashSet<>();
    for (Flag toggle : toggles) {
      if (parsed.hasMatchedOption("--" + toggle.name())) {
        toggled.add(toggle.name());
        if (toggle.optional()) {
          values.put(toggle.name(), parsed.matchedOptionValue("--" + toggle.name(), ""));
        }
      }
    }
    if (parsed.isUsageHelpRequested()) {
      toggled.add("help");
    }
    return new Result(values, given, toggled, List.copyOf(warnings));
  }

  /** The help text: every flag with its variable and default, generated from the definitions. */
  public String usage() {
    return new CommandLine(spec()).getUsageMessage(CommandLine.Help.Ansi.OFF);
  }

  /** Every flag's name, without dashes (not the switches, nor the deprecated names). */
  public List<String> names() {
    return flags.stream().map(Flag::name).toList();
  }

  /** The environment variable of flag {@code name}. */
  public String env(String name) {
    return envPrefix + name.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  private String deprecation(String old, String current) {
    return old + " is deprecated and goes in the next minor version: use " + current;
  }

  private CommandSpec spec() {
    CommandSpec spec = CommandSpec.create().name(command);
    spec.usageMessage()
        .abbreviateSynopsis(true)
        .sortOptions(false)
        .width(100)
        .description(escape(description))
        .footer(
            "",
            escape(
                "Every flag may also come from the environment variable shown; the command line"
                    + " wins. Write --name value or --name=value."));
    spec.addOption(
        OptionSpec.builder("-h", "--help").usageHelp(true).description("print this help").build());
    for (Flag toggle : toggles) {
      OptionSpec.Builder option =
          OptionSpec.builder("--" + toggle.name()).description(escape(toggle.help()));
      if (toggle.optional()) {
        option.type(String.class).arity("0..1").fallbackValue("").paramLabel(toggle.label());
      } else {
        option.type(boolean.class).arity("0");
      }
      spec.addOption(option.build());
    }
    for (Flag flag : flags) {
      List<String> old = new ArrayList<>();
      renamed.forEach(
          (from, to) -> {
            if (to.equals(flag.name())) {
              old.add("--" + from + " (" + env(from) + ")");
              spec.addOption( // Still read, not shown but in the new name's help.
                  OptionSpec.builder("--" + from)
                      .type(String.class)
                      .arity("1")
                      .paramLabel(flag.label())
                      .hidden(true)
                      .build());
            }
          });
      String help =
          flag.help()
              + "\n  env "
              + env(flag.name())
              + ", default: "
              + (flag.defaultValue().isEmpty() ? "(none)" : flag.defaultValue())
              + (old.isEmpty() ? "" : "\n  deprecated: " + String.join(", ", old));
      OptionSpec.Builder option = OptionSpec.builder("--" + flag.name());
      if (flag.repeatable()) {
        option.type(List.class).auxiliaryTypes(String.class);
      } else {
        option.type(String.class);
      }
      spec.addOption(
          option.arity("1").paramLabel(flag.label()).description(escape(help).split("\n")).build());
    }
    return spec;
  }

  /** picocli reads descriptions as format strings. */
  private static String escape(String text) {
    return text.replace("%", "%%");
  }

  /** Builds {@link Flags}. Not thread-safe. */
  public static final class Builder {
    private final String command;
    private final String description;
    private final String envPrefix;
    private final List<Flag> flags = new ArrayList<>();
    private final List<Flag> toggles = new ArrayList<>();
    private final Map<String, String> renamed = new LinkedHashMap<>();

    private Builder(String command, String description, String envPrefix) {
      this.command = command;
      this.description = description;
      this.envPrefix = envPrefix;
    }

    /** A flag with a value ({@code label} names it in the help); empty default: none. */
    public Builder flag(String name, String label, String defaultValue, String help) {
      flags.add(new Flag(name, label, defaultValue, help, false, false));
      return this;
    }

    /**
     * A flag that may be given several times; its value is every one given, in order, one per line
     * (from the environment: the variable's value as it is).
     */
    public Builder repeatable(String name, String label, String help) {
      flags.add(new Flag(name, label, "", help, false, true));
      return this;
    }

    /** A switch without a value. */
    public Builder toggle(String name, String help) {
      toggles.add(new Flag(name, "", "", help, false, false));
      return this;
    }

    /**
     * A switch that may carry a value ({@code --install-hooks [FILE]}); "" when it carries none.
     */
    public Builder toggleWithValue(String name, String label, String help) {
      toggles.add(new Flag(name, label, "", help, true, false));
      return this;
    }

    /** Keeps {@code oldName} (and its variable) working for flag {@code name}, with a warning. */
    public Builder deprecated(String oldName, String name) {
      renamed.put(oldName, name);
      return this;
    }

    /** Builds the flags. */
    public Flags build() {
      return new Flags(this);
    }
  }
}
